// Test module: its factory returns something that is not a strategy.
export default function create(): unknown {
  return { name: 'half-done' };
}
