// Trains a character model in the page with rnnc's browser build (dist/browser/rnnc.mjs: make
// it with `npm run build`, or `node scripts/build-browser.mjs`): the .rnn text is compiled
// here, trained on the pasted text for a few seconds, and the loss is drawn as it falls.
const $ = (id) => document.getElementById(id);
const SAMPLE_TEXT = `The cat sat on the mat. The dog sat on the log.
A cat and a dog sat on the mat, and the cat looked at the dog.
The dog looked at the cat, and then the dog sat on the log again.
`;

let rnnc;
try {
  rnnc = await import(new URLSearchParams(location.search).get('lib') ?? '../../dist/browser/rnnc.mjs');
} catch (e) {
  $('status').className = 'status error';
  $('status').textContent = `rnnc's browser build could not be loaded (${e.message}): run npm run build (or node scripts/build-browser.mjs), then reload.`;
  throw e;
}
$('text').value = SAMPLE_TEXT.repeat(4);
$('source').value = rnnc.shippedModels['char-lstm.rnn'];
$('status').textContent = `rnnc loaded; kernels ${rnnc.kernels()}`;
$('train').disabled = false;

/** The loss curve so far: [step, loss] pairs, drawn on the canvas. */
let points = [];
let model = null;
let stopping = false;

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

$('train').onclick = async () => {
  $('error').hidden = true;
  $('train').disabled = $('sample').disabled = true;
  $('stop').disabled = false;
  stopping = false;
  points = [];
  draw();
  const text = $('text').value;
  try {
    const vocab = rnnc.buildCharVocab(text);
    const hidden = num('hidden');
    model = rnnc.compileText($('source').value, { file: 'char-lstm.rnn', vocab, dims: { embed: Math.min(64, hidden), hidden } }).init(0);
    let last = 0;
    const result = await model.train({ train: text }, { batch: num('batch'), bptt: num('bptt'), lr: num('lr'), minutes: num('seconds') / 60, seed: 0 }, {
      onStep: (s) => {
        points.push([s.step, s.loss]);
        $('progress').textContent = `step ${s.step}: loss ${s.loss.toFixed(3)} nats/char, ${Math.round(s.tokensPerS).toLocaleString('en-US')} tokens/s, ${s.seconds.toFixed(1)} s`;
        $('progress').dataset.loss = String(s.loss);
        const now = performance.now();
        if (now - last > 50) (draw(), (last = now));
      },
      shouldStop: () => stopping,
    });
    draw();
    $('progress').dataset.first = String(points[0]?.[1] ?? '');
    $('progress').dataset.last = String(points[points.length - 1]?.[1] ?? '');
    $('progress').dataset.steps = String(points.length);
    $('progress').dataset.curve = JSON.stringify(points.map((p) => p[1]));
    $('progress').textContent += ` — done (${result.reason})`;
    $('sample').disabled = false;
  } catch (e) {
    $('error').hidden = false;
    $('error').textContent = String(e && e.message || e);
  } finally {
    $('train').disabled = false;
    $('stop').disabled = true;
  }
};
$('stop').onclick = () => (stopping = true);
$('temperature').oninput = () => ($('temperature-value').textContent = num('temperature').toFixed(2));
$('sample').onclick = () => {
  try {
    const prompt = $('prompt').value;
    $('sampled').textContent = prompt + model.sample({ prompt, length: 300, temperature: num('temperature'), seed: Date.now() % 1e9 }).text;
  } catch (e) {
    $('sampled').textContent = String(e && e.message || e);
  }
};
draw();
