// A fuzz worker thread: plain JavaScript that registers tsx, as bin/rnnc.js does, then runs worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
