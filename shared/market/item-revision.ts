// Names one stored state of a container item (the account book, the marks, the reference data), so a warm
// risk function re-values only the symbols that changed since the state it valued last. Leaf type.

/**
 * Every write of such an item bumps `version` and records the symbols it touched; `epoch` is fixed when the
 * item is created, so a re-created item never matches a memo of the old one.
 */
export interface ItemRevision {
  epoch: string;
  version: number;
  /** The symbols the write that produced `version` touched. */
  changed: readonly string[];
}
