// Trains a character model in the page's Web Worker (dist/browser/train-worker.mjs, beside rnnc's
// browser build: make both with `npm run build`, or `node scripts/build-browser.mjs`): the .rnn
// text is compiled and trained there on the pasted text for a few seconds, each step's loss is
// posted here and drawn as it falls, and the page stays responsive all along.
const $ = (id) => document.getElementById(id);
const SAMPLE_TEXT = `The cat sat on the mat. The dog sat on the log.
A cat and a dog sat on the mat, and the cat looked at the dog.
The dog looked at the cat, and then the dog sat on the log again.
`;

const lib = new URL(new URLSearchParams(location.search).get('lib') ?? '../../dist/browser/rnnc.mjs', location.href);
const worker = new Worker(new URL('train-worker.mjs', lib), { type: 'module' });

function failedToLoad(why) {
  $('status').className = 'status error';
  $('status').textContent = `rnnc's browser build could not be loaded (${why}): run npm run build (or node scripts/build-browser.mjs), then reload.`;
}
// A module worker that cannot load its script or its imports says so only with an error event.
worker.onerror = (e) => {
  e.preventDefault();
  if ($('train').disabled && !$('stop').disabled) return void showError(e.message || 'the training worker failed');
  failedToLoad(e.message || `no ${new URL('train-worker.mjs', lib).pathname}`);
};

/** The loss curve so far: [step, loss] pairs, drawn on the canvas. */
let points = [];
let lastDraw = 0;
/** Resolves the pending Sample request. */
let sampled = null;

function draw() {
  const c = $('curve');
  const g = c.getContext('2d');
  const W = c.width, H = c.height, L = 90, B = 60, T = 20, R = 20;
  g.clearRect(0, 0, W, H);
  g.font = '24px system-ui, sans-serif';
  g.fillStyle = '#667085';
  g.strokeStyle = '#cdd3e0';
  g.lineWidth = 2;
  g.strokeRect(L, T, W - L - R, H - T - B);
  if (points.length === 0) return void g.fillText('the training loss will be drawn here', L + 20, T + 40);
  const maxX = Math.max(1, points[points.length - 1][0]);
  const losses = points.map((p) => p[1]);
  const hi = Math.max(...losses), lo = Math.min(0, ...losses);
  const x = (s) => L + ((W - L - R) * s) / maxX;
  const y = (v) => T + ((H - T - B) * (hi - v)) / (hi - lo || 1);
  for (const v of [lo, (lo + hi) / 2, hi]) g.fillText(v.toFixed(2), 10, y(v) + 8);
  g.fillText('step', (W + L) / 2 - 20, H - 15);
  g.textAlign = 'right';
  g.fillText(String(maxX), x(maxX), H - B + 32);
  g.textAlign = 'left';
  g.fillText('loss (nats/char)', L + 10, T + 30);
  g.strokeStyle = '#3558d6';
  g.lineWidth = 3;
  g.beginPath();
  points.forEach(([s, v], i) => (i ? g.lineTo(x(s), y(v)) : g.moveTo(x(s), y(v))));
  g.stroke();
}

const num = (id) => Number($(id).value);

function showError(message) {
  $('error').hidden = false;
  $('error').textContent = message;
  $('train').disabled = false;
  $('stop').disabled = true;
}

worker.onmessage = ({ data: m }) => {
  if (m.type === 'ready') {
    $('text').value = SAMPLE_TEXT.repeat(4);
    $('source').value = m.source;
    $('status').textContent = `rnnc loaded in a worker; kernels ${m.kernels}`;
    $('train').disabled = false;
  } else if (m.type === 'step') {
    points.push([m.step, m.loss]);
    $('progress').textContent = `step ${m.step}: loss ${m.loss.toFixed(3)} nats/char, ${Math.round(m.tokensPerS).toLocaleString('en-US')} tokens/s, ${m.seconds.toFixed(1)} s`;
    $('progress').dataset.loss = String(m.loss);
    const now = performance.now();
    if (now - lastDraw > 50) (draw(), (lastDraw = now));
  } else if (m.type === 'done') {
    draw();
    $('progress').dataset.first = String(points[0]?.[1] ?? '');
    $('progress').dataset.last = String(points[points.length - 1]?.[1] ?? '');
    $('progress').dataset.steps = String(points.length);
    $('progress').dataset.curve = JSON.stringify(points.map((p) => p[1]));
    $('progress').textContent += ` — done (${m.reason})`;
    $('sample').disabled = false;
    $('train').disabled = false;
    $('stop').disabled = true;
  } else if (m.type === 'sampled') {
    sampled?.({ text: m.text });
  } else if (m.type === 'error') {
    if (sampled) sampled({ error: m.message });
    else showError(m.message);
  }
};

$('train').onclick = () => {
  $('error').hidden = true;
  $('train').disabled = $('sample').disabled = true;
  $('stop').disabled = false;
  points = [];
  for (const k of ['loss', 'first', 'last', 'steps', 'curve']) delete $('progress').dataset[k];
  $('progress').textContent = '';
  draw();
  const hidden = num('hidden');
  worker.postMessage({
    type: 'train',
    source: $('source').value,
    file: 'char-lstm.rnn',
    text: $('text').value,
    dims: { embed: Math.min(64, hidden), hidden },
    options: { batch: num('batch'), bptt: num('bptt'), lr: num('lr'), minutes: num('seconds') / 60, seed: 0 },
  });
};
$('stop').onclick = () => worker.postMessage({ type: 'stop' });
$('temperature').oninput = () => ($('temperature-value').textContent = num('temperature').toFixed(2));
$('sample').onclick = async () => {
  const prompt = $('prompt').value;
  $('sample').disabled = true;
  const r = await new Promise((done) => {
    sampled = done;
    worker.postMessage({ type: 'sample', prompt, length: 300, temperature: num('temperature'), seed: Date.now() % 1e9 });
  });
  sampled = null;
  // The model continues the prompt; the worker sends the continuation.
  $('sampled').textContent = r.error ?? prompt + r.text;
  $('sample').disabled = false;
};
draw();
