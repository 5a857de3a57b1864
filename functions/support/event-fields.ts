// Reads of raw Lambda events before they are validated, for logs and traces only: any shape in, a string or
// undefined out, never a throw.

/** The value at `path`, or undefined where the event is not an object along it. */
export const field = (value: unknown, ...path: readonly string[]): unknown =>
  path.reduce<unknown>((at, key) => (typeof at === 'object' && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined), value);

/** A non-empty string at `path`. */
export const text = (value: unknown, ...path: readonly string[]): string | undefined => {
  const found = field(value, ...path);
  return typeof found === 'string' && found.length > 0 ? found : undefined;
};

/** JSON text as a value; undefined when it is not JSON. */
export const jsonOf = (body: string | undefined): unknown => {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
};

/** Whether the event is an SQS batch (it carries Records). */
export const isQueueBatch = (event: unknown): boolean => Array.isArray(field(event, 'Records'));

/** The parsed bodies of an SQS batch's records, in order (undefined for a body that is not JSON). */
export const sqsBodies = (event: unknown): unknown[] => {
  const records = field(event, 'Records');
  return Array.isArray(records) ? records.map((record) => jsonOf(text(record, 'body'))) : [];
};

/** The one value all of them share, or undefined when there are none or several. */
export const onlyOne = (values: readonly (string | undefined)[]): string | undefined => {
  const distinct = new Set(values.filter((v) => v !== undefined));
  return distinct.size === 1 ? [...distinct][0] : undefined;
};
