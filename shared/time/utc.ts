// UTC timestamps as the system writes them: ISO-8601 with milliseconds (`utcNow`) and the compact forms
// used inside ids (to the second, the minute, the hour). Pure; every function of a clock reading.

/** The clock reading as ISO-8601 UTC with milliseconds, e.g. 2026-11-23T14:30:05.123Z. */
export const utcNow = (clockMs: number): string => new Date(clockMs).toISOString();

/** "2026-11-23T14:30:05.123Z" → "20261123T143005Z" (to the second, UTC). */
export const compactUtcSecond = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

/** "2026-11-23T14:30:05.123Z" → "20261123T1430Z" (to the minute, UTC). */
export const compactUtcMinute = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 13)}Z`;

/** "2026-11-23T14:59:00.000Z" → "20261123T14": the UTC hour (no trailing Z: the ids already deployed have none). */
export const utcHourBucket = (iso: string): string => new Date(iso).toISOString().slice(0, 13).replace(/-/g, '');
