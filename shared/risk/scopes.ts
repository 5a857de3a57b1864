// Scopes of the per-strategy risk state (the execution throttle): a strategy id, or the whole account.

/** The account-wide scope: never a valid strategy id, so it cannot collide with one. */
export const ACCOUNT_SCOPE = '*';
