import { optionNames } from '../core/validate.js';
import type { GcOptions } from './gc-report.js';
import type { BackupOptions, VerifyOptions } from './maintenance-options.js';
import type { DiffOptions, ForkOptions, HistoryOptions, ListOptions, ReadEventsOptions, ReadOptions, SummaryOptions, TruncateOptions, WriteOptions } from '../types.js';

/**
 * The option names each SessionLog method accepts; any other key is INVALID_ARGUMENT. Checked
 * at compile time against the option interfaces, so a new option cannot be forgotten here.
 */
export const WRITE_OPTION_NAMES = optionNames<WriteOptions>()(['expectedVersion', 'eventId', 'at']);
export const SUMMARY_OPTION_NAMES = optionNames<SummaryOptions>()(['expectedVersion', 'eventId', 'at', 'through']);
export const TRUNCATE_OPTION_NAMES = optionNames<TruncateOptions>()(['expectedVersion', 'eventId', 'at', 'safe']);
export const READ_OPTION_NAMES = optionNames<ReadOptions>()(['atVersion']);
export const HISTORY_OPTION_NAMES = optionNames<HistoryOptions>()(['atVersion', 'last']);
export const LIST_OPTION_NAMES = optionNames<ListOptions>()(['limit', 'cursor', 'prefix']);
export const READ_EVENTS_OPTION_NAMES = optionNames<ReadEventsOptions>()(['fromVersion', 'toVersion']);
export const GC_OPTION_NAMES = optionNames<GcOptions>()(['dryRun', 'now', 'onProgress', 'maxExpireShare']);
export const VERIFY_OPTION_NAMES = optionNames<VerifyOptions>()(['onProgress']);
export const BACKUP_OPTION_NAMES = optionNames<BackupOptions>()(['compact']);
export const FORK_OPTION_NAMES = optionNames<ForkOptions>()(['atVersion', 'eventId']);
export const DIFF_OPTION_NAMES = optionNames<DiffOptions>()(['fromVersion', 'toVersion']);
