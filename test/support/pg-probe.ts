/**
 * The PostgreSQL the tests use (TURNLOG_PG_URL, else the project machines' local server) and the
 * probe that says why its tests skip, or fails them under TURNLOG_REQUIRE_PG=1: the benchmark's,
 * so both agree on the server and on the rule.
 */
export { PG_URL, pgUnavailable } from '../../bench/pg.js';
