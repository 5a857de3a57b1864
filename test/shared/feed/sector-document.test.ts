// The operator's sectors document: the one in the repository parses and names a sector for every symbol any
// deployed environment subscribes to; a misspelt sector or a symbol that is no ticker is refused, naming the
// symbol and the rule; the pool of unclassified symbols is no sector anyone can name; and the local session
// groups its symbols exactly as the document does.
import { describe, expect, it } from 'vitest';
import SECTORS_DOCUMENT from '../../../reference/sectors.json' with { type: 'json' };
import { DEFAULT_REFERENCE } from '../../../local/market';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../shared/config/environments';
import { InvalidInputError } from '../../../shared/errors/errors';
import { readSectorDocument } from '../../../shared/feed/sector-document';
import { SECTORS } from '../../../shared/market/sectors';
import { UNCLASSIFIED_SECTOR } from '../../../shared/risk/portfolio';

const issuesOf = (json: unknown): { path: string; rule: string }[] => {
  try {
    readSectorDocument(json, 'reference/sectors.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return [...(error as InvalidInputError).issues];
  }
  throw new Error('the document was accepted');
};

describe('the sectors document', () => {
  it('in the repository parses', () => {
    expect(() => readSectorDocument(SECTORS_DOCUMENT)).not.toThrow();
  });

  it('in the repository names a sector for every symbol of every deployed environment’s market', () => {
    const sectors = readSectorDocument(SECTORS_DOCUMENT);
    const uncovered = ENVIRONMENT_NAMES.filter((name) => name !== 'local').flatMap((name) =>
      (loadEnvironmentConfig(name).market?.symbols ?? []).filter((symbol) => !Object.hasOwn(sectors, symbol)).map((symbol) => `${name}: ${symbol}`),
    );
    expect(uncovered).toEqual([]);
    expect(ENVIRONMENT_NAMES.filter((name) => name !== 'local' && !loadEnvironmentConfig(name).market)).toEqual([]);
  });

  it('refuses a typo in a sector, naming the symbol and the rule', () => {
    expect(issuesOf({ AAPL: 'TECHNOLOGY', MSFT: 'TECHNOLGY' })).toEqual([
      { path: 'reference/sectors.json.MSFT', rule: `must be one of ${SECTORS.join(', ')}` },
    ]);
  });

  it('refuses a sector in the wrong case and one that is no string, each by symbol', () => {
    expect(issuesOf({ AAPL: 'technology', SPY: 7 }).map((issue) => issue.path)).toEqual(['reference/sectors.json.AAPL', 'reference/sectors.json.SPY']);
  });

  it('refuses a symbol that is not an upper-case ticker', () => {
    expect(issuesOf({ aapl: 'TECHNOLOGY' })).toEqual([{ path: 'reference/sectors.json.aapl', rule: 'the symbol must be an upper-case ticker of at most 16 characters' }]);
  });

  it('refuses a document that is not an object of symbol → sector', () => {
    expect(issuesOf([['AAPL', 'TECHNOLOGY']])).toEqual([{ path: 'reference/sectors.json', rule: 'must be a JSON object of symbol → sector' }]);
  });

  it('cannot name the pool of symbols without a sector', () => {
    expect(SECTORS).not.toContain(UNCLASSIFIED_SECTOR);
    expect(issuesOf({ AAPL: UNCLASSIFIED_SECTOR })[0]?.path).toBe('reference/sectors.json.AAPL');
  });

  it('gives the local session the same sectors for its symbols', () => {
    const sectors = readSectorDocument(SECTORS_DOCUMENT);
    for (const [symbol, reference] of Object.entries(DEFAULT_REFERENCE)) expect({ symbol, sector: reference.sector }).toEqual({ symbol, sector: sectors[symbol] });
  });
});
