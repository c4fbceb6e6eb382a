import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the time of each test tier (vitest project) after a run: its wall-clock span from the
 * first file's start to the last file's end (tiers share the workers, so spans overlap) and the
 * summed time of its files. CI keeps an eye on the 45-minute budget with it.
 */
export default class TierTimingReporter implements Reporter {
  private readonly tiers = new Map<string, { files: number; firstStart: number; lastEnd: number; fileTime: number }>();
  private readonly started = new Map<string, number>();

  onTestModuleStart(testModule: TestModule): void {
    this.started.set(testModule.moduleId, Date.now());
  }

  onTestModuleEnd(testModule: TestModule): void {
    const end = Date.now();
    const start = this.started.get(testModule.moduleId) ?? end;
    const name = testModule.project.name || 'default';
    const tier = this.tiers.get(name) ?? { files: 0, firstStart: start, lastEnd: end, fileTime: 0 };
    this.tiers.set(name, { files: tier.files + 1, firstStart: Math.min(tier.firstStart, start), lastEnd: Math.max(tier.lastEnd, end), fileTime: tier.fileTime + (end - start) });
  }

  onTestRunEnd(): void {
    if (this.tiers.size === 0) {
      return;
    }
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = [...this.tiers].map(([name, tier]) => `  ${name.padEnd(10)} ${String(tier.files).padStart(4)} files  ${seconds(tier.lastEnd - tier.firstStart).padStart(9)} wall  ${seconds(tier.fileTime).padStart(9)} in files`);
    console.log(`\nTime per test tier:\n${lines.join('\n')}\n`);
  }
}
