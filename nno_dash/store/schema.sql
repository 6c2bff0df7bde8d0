-- The one source of every table: used by the app, the importer, the demo generator and tests.
-- Statements are idempotent; db.py runs this file, then the numbered migrations in db.py.
-- Area ids are '<kind>:<code>' (e.g. 'neighbourhood:12', 'beat:0611'), unique across kinds.

create table if not exists meta (
    key varchar primary key,
    value varchar not null
);

create table if not exists areas (
    area_id varchar primary key,
    kind varchar not null,              -- neighbourhood | beat | district | council_district
    code varchar not null,              -- the agency's own code for the area
    name varchar not null,
    population integer,                 -- residents; null = unknown, so no rates
    geometry varchar not null,          -- GeoJSON geometry, WGS84
    geometry_display varchar,           -- simplified GeoJSON for maps
    centroid_lat double,
    centroid_lon double,
    area_km2 double
);

create table if not exists offence_categories (
    category varchar primary key,
    label varchar not null,
    crime_class varchar not null,       -- violent | property | other
    ucr_part1 boolean not null,
    nibrs_against varchar not null      -- person | property | society | other
);

create table if not exists events (
    event_id varchar primary key,
    title varchar not null,
    program varchar not null,           -- see vocab.PROGRAMS
    starts_at timestamp not null,
    ends_at timestamp,
    location varchar,                   -- address block or venue
    lat double,
    lon double,
    agency varchar,
    units varchar,                      -- units present, comma separated (K9, SWAT, ...)
    partners varchar,                   -- partner organisations, comma separated
    neighbourhood_id varchar,
    beat_id varchar,
    district_id varchar,
    council_district_id varchar,
    source varchar
);

create table if not exists attendance (
    event_id varchar primary key,
    headcount integer not null,
    residents integer,
    youth integer,
    officers integer,
    partners integer,
    survey_n integer,                   -- survey respondents
    trust_before double,                -- mean trust score 1-5 before the event
    trust_after double                  -- mean trust score 1-5 after the event
);

create table if not exists attendance_home_areas (
    event_id varchar not null,
    home_area_id varchar not null,
    headcount integer not null,
    primary key (event_id, home_area_id)
);

-- incident_id is unique without a primary key: the importer merges or rejects a file's
-- repeated ids and compares the rest with the stored rows inside its write session (under
-- the writer lock). The key's index cost about 7 of an import's 50 s at 10M rows.
create table if not exists incidents (
    incident_id varchar not null,
    case_number varchar,
    occurred_at timestamp not null,
    occurred_on date not null,
    reported_at timestamp,
    offence_code varchar,
    offence_description varchar,
    category varchar not null,          -- see offence_categories
    sensitive boolean not null default false,
    block_address varchar,
    lat double,
    lon double,
    neighbourhood_id varchar,
    beat_id varchar,
    district_id varchar,
    council_district_id varchar,
    source varchar
);

-- Each event with its attendance record (null where none was recorded): the table the pages'
-- event questions read, so none of them joins the two (a join cost about 3 ms a question at
-- any size). Rebuilt by db.refresh_event_facts after every write to events or attendance.
create table if not exists event_facts (
    event_id varchar not null,
    title varchar not null,
    program varchar not null,
    starts_at timestamp not null,
    ends_at timestamp,
    location varchar,
    lat double,
    lon double,
    agency varchar,
    units varchar,
    partners varchar,                   -- partner organisations (events.partners)
    neighbourhood_id varchar,
    beat_id varchar,
    district_id varchar,
    council_district_id varchar,
    source varchar,
    headcount integer,
    residents integer,
    youth integer,
    officers integer,
    partners_present integer,           -- partner staff attending (attendance.partners)
    survey_n integer,
    trust_before double,
    trust_after double
);

-- Daily counts per area of each kind, rebuilt by db.refresh_aggregates after every write.
-- Pages read this, never the incident table, so a filter change costs the same at 10M rows.
create table if not exists incident_daily (
    kind varchar not null,
    area_id varchar,                    -- null: incident has no area of this kind
    occurred_on date not null,
    category varchar not null,
    incidents integer not null
);

-- The same counts by calendar month (month = its first day), rebuilt with incident_daily.
-- Questions over many years (the seasonal view) read whole months here, the rest by day.
create table if not exists incident_monthly (
    kind varchar not null,
    area_id varchar,
    month date not null,
    category varchar not null,
    incidents integer not null
);

create table if not exists import_log (
    import_id integer primary key,
    imported_at timestamp not null,
    kind varchar not null,              -- areas | events | attendance | incidents | demo
    source_file varchar not null,
    mapping varchar,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_updated bigint not null default 0,
    rows_rejected bigint not null default 0,
    notes varchar
);

create table if not exists rejects (
    import_id integer not null,
    source_file varchar not null,
    row_number bigint,
    column_name varchar,
    reason varchar not null,
    raw varchar
);
