-- The first released schema (version 1), kept to prove that older files are upgraded.
create table meta (key varchar primary key, value varchar not null);
insert into meta values ('schema_version', '1');
create table areas (
    area_id varchar primary key, kind varchar not null, code varchar not null,
    name varchar not null, population integer, geometry varchar not null,
    centroid_lat double, centroid_lon double, area_km2 double
);
create table offence_categories (
    category varchar primary key, label varchar not null, crime_class varchar not null,
    ucr_part1 boolean not null, nibrs_against varchar not null
);
create table events (
    event_id varchar primary key, title varchar not null, program varchar not null,
    starts_at timestamp not null, ends_at timestamp, location varchar, lat double, lon double,
    agency varchar, units varchar, partners varchar, neighbourhood_id varchar, beat_id varchar,
    district_id varchar, council_district_id varchar, source varchar
);
create table attendance (
    event_id varchar primary key, headcount integer not null, residents integer, youth integer,
    officers integer, partners integer, survey_n integer, trust_before double, trust_after double
);
create table incidents (
    incident_id varchar primary key, case_number varchar, occurred_at timestamp not null,
    occurred_on date not null, reported_at timestamp, offence_code varchar,
    offence_description varchar, category varchar not null,
    sensitive boolean not null default false, block_address varchar, lat double, lon double,
    neighbourhood_id varchar, beat_id varchar, district_id varchar,
    council_district_id varchar, source varchar
);
create table import_log (
    import_id integer primary key, imported_at timestamp not null, kind varchar not null,
    source_file varchar not null, mapping varchar, rows_read bigint not null,
    rows_loaded bigint not null, rows_updated bigint not null default 0,
    rows_rejected bigint not null default 0, notes varchar
);
insert into areas values ('neighbourhood:1', 'neighbourhood', '1', 'Old Town', 1000,
    '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}', 0.5, 0.5, 12300.0);
insert into incidents values ('A1', 'C1', '2024-05-01 10:00', '2024-05-01', null, '0820',
    'THEFT', 'larceny_theft', false, '001XX MAIN ST', 0.5, 0.5, 'neighbourhood:1', null, null,
    null, 'v1');
