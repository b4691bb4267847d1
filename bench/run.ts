// `npm run bench`: speed and size figures, printed, never asserted. Not part of `npm test`.
import { runDrillBench } from './drill-bench';
import { runGamedayBench } from './gameday-bench';
import { runHandlerBench } from './handler-bench';
import { runProbeBench } from './probe-bench';
import { runSynthBench } from './synth-bench';
import { runWavesBench } from './waves-bench';

async function main(): Promise<void> {
  await runHandlerBench();
  await runProbeBench();
  runSynthBench();
  runWavesBench();
  await runGamedayBench();
  runDrillBench();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
