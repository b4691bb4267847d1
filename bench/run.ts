// `npm run bench`: speed and size figures, printed, never asserted. Not part of `npm test`.
import { runGamedayBench } from './gameday-bench';
import { runHandlerBench } from './handler-bench';
import { runSynthBench } from './synth-bench';

async function main(): Promise<void> {
  await runHandlerBench();
  runSynthBench();
  await runGamedayBench();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
