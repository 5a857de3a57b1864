// The highest resident set size the process reached while sampled, for the report. Sampling from the
// moment it is created, so set-up counts too.
export class PeakRss {
  private peak = process.memoryUsage().rss;

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }

  get megabytes(): number {
    return this.peak / (1024 * 1024);
  }
}
