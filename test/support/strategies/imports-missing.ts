// Test module: exists, but imports a module that does not, so it fails to load (it is not "not found").
// @ts-expect-error the helper does not exist: that is what this module is for
import { helper } from './no-such-helper';

export default function create() {
  return { name: 'never', onTicks: () => helper() as [] };
}
