/** `source_id` of a direct assignment (a group assignment carries the group's id). */
export const DIRECT_SOURCE = '00000000-0000-0000-0000-000000000000';

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID_PATTERN.test(value);

/** GUIDs are compared and stored in lower case. */
export const normalizeGuid = (value: string): string => value.toLowerCase();

/** Source of new ids; tests replace it with a deterministic sequence. */
export type IdGenerator = () => string;

export const randomIds: IdGenerator = () => globalThis.crypto.randomUUID();
