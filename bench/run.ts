/** `npm run bench`: every benchmark, each printing ratios against a peer measured in the same run. */
import { benchAudit } from './audit.js';
import { benchDlp } from './dlp.js';
import { benchExec } from './exec.js';
import { benchHub } from './hub.js';
import { benchProxy } from './proxy.js';

const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = { proxy: benchProxy, audit: benchAudit, exec: benchExec, dlp: benchDlp, hub: benchHub };
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  console.log(`== ${name}`);
  await run();
}
process.exit(0);
