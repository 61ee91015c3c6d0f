/** Test support: a run's settings in short (defaults filled in) and the frames it yields. */
import type { SourceImage } from '../pipeline/check-settings.ts';
import { generate, type StepFrame } from '../pipeline/generate.ts';
import type { Models } from '../pipeline/models.ts';
import { runSettings, type RunSettings } from '../settings/fields.ts';

/** Some of a run's settings (the others are the table's defaults) and the pipeline's other inputs. */
export type TestRun = Partial<RunSettings> & { source?: SourceImage };

/** The frames of `run` on `models`, all of them. */
export async function collect(models: Models, run: TestRun, signal?: AbortSignal): Promise<StepFrame[]> {
  const frames: StepFrame[] = [];
  for await (const frame of generateRun(models, run, signal)) frames.push(frame);
  return frames;
}

/** generate() for a short-hand run. */
export function generateRun(models: Models, { source, ...settings }: TestRun, signal?: AbortSignal): AsyncGenerator<StepFrame> {
  return generate(models, runSettings(settings), { source, signal });
}
