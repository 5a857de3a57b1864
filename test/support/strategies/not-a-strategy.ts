// Test module: its default export is neither a strategy factory nor a strategy.
export default { name: 'no-on-ticks', orders: [] };
