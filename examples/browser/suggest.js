// Input suggestion with a module written by `rnnc export --format esm`: the text typed so far
// is read token by token (after the start token `sample` uses without a prompt: a newline,
// or <eos> for a word model), and the next token's distribution is shown, best first.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MAKE = 'rnnc train char-lstm --minutes 1 --out runs/demo && rnnc export runs/demo --format esm -o examples/browser/model.mjs';

let m;
try {
  m = await import(params.get('model') ?? './model.mjs');
  await m.init();
} catch (e) {
  $('status').className = 'status error';
  $('status').innerHTML = 'No model could be loaded (<code></code>). Make one with<pre></pre>then reload.';
  $('status').querySelector('code').textContent = String(e && e.message || e);
  $('status').querySelector('pre').textContent = MAKE;
  throw e;
}
const info = m.info();
const word = info.kind === 'word';
const vocab = info.vocab ?? Array.from({ length: info.vocabSize }, (_, i) => String(i));
const START = word ? vocab.indexOf('<eos>') : vocab.indexOf('\n');
$('unit').textContent = $('unit2').textContent = word ? 'words' : 'characters';
$('status').textContent = `${info.name}: ${info.vocabSize} ${word ? 'words' : 'characters'}, kernels ${info.kernels}`;
$('text').disabled = $('continue').disabled = false;

/** What a token looks like on screen (spaces and line ends made visible). */
const shown = (t) => (t === ' ' ? '␣' : t === '\n' ? '↵' : t === '\t' ? '⇥' : t);

// What each token read so far left (state and next distribution): typing at the end reads only the new tokens.
let ids = [];
let steps = [];

/** The ids of the text and, for a word model, the unfinished word at its end. */
function context(text) {
  if (!word) return { ids: m.encode(text), partial: '' };
  const partial = /\S$/.test(text) ? /\S+$/.exec(text)[0] : '';
  const done = text.slice(0, text.length - partial.length);
  const got = m.encode(done);
  // encode ends every line with <eos>; the line being typed has not ended yet
  if (!done.endsWith('\n') && got.length && got[got.length - 1] === START) got.pop();
  return { ids: got, partial };
}

/** ln p of every next token after `next` (the start token first), reusing the steps already taken. */
function logProbsAfter(next) {
  const all = START >= 0 ? [START, ...next] : [...next];
  if (all.length === 0) return null;
  let same = 0;
  while (same < ids.length && same < all.length && ids[same] === all[same]) same++;
  ids = all.slice(0, same);
  steps = steps.slice(0, same);
  for (let i = same; i < all.length; i++) {
    steps.push(m.step(all[i], i === 0 ? undefined : steps[i - 1].state));
    ids.push(all[i]);
  }
  return steps[steps.length - 1].logProbs;
}

function suggest() {
  const list = $('suggestions');
  list.replaceChildren();
  $('note').textContent = '';
  let c;
  try {
    c = context($('text').value);
  } catch (e) {
    $('note').textContent = String(e.message || e);
    return;
  }
  const lp = logProbsAfter(c.ids);
  if (!lp) return void ($('note').textContent = 'Type something.');
  const k = Math.max(1, Math.min(50, Number($('k').value) || 8));
  const order = [...lp.keys()].filter((i) => vocab[i].startsWith(c.partial)).sort((a, b) => lp[b] - lp[a]).slice(0, k);
  if (c.partial) $('note').textContent = `words that start with “${c.partial}”`;
  for (const i of order) {
    const p = Math.exp(lp[i]);
    const li = document.createElement('li');
    li.dataset.token = vocab[i];
    li.dataset.prob = String(p);
    li.innerHTML = '<button class="token"></button><span class="bar"><span></span></span><span class="prob"></span>';
    li.querySelector('.token').textContent = shown(vocab[i]);
    li.querySelector('.token').title = 'append it';
    li.querySelector('.token').onclick = () => append(word ? vocab[i].slice(c.partial.length) + ' ' : vocab[i]);
    li.querySelector('.bar span').style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector('.prob').textContent = `${(100 * p).toFixed(2)}%`;
    list.append(li);
  }
}

function append(s) {
  const t = $('text');
  t.value += word && s === '<eos> ' ? '\n' : s;
  t.focus();
  suggest();
}

let seed = 1;
$('continue').onclick = () => {
  const text = $('text').value;
  const temperature = Number($('temperature').value);
  const length = Math.max(1, Math.min(2000, Number($('length').value) || 80));
  try {
    const out = m.sample({ prompt: text, length, temperature, seed: seed++ }).text;
    const sep = word && text !== '' && !/\s$/.test(text) ? ' ' : '';
    append(sep + (word ? out.replaceAll(' <eos> ', '\n').replaceAll('<eos>', '\n') : out));
  } catch (e) {
    $('note').textContent = String(e.message || e);
  }
};
$('temperature').oninput = () => ($('temperature-value').textContent = Number($('temperature').value).toFixed(2));
$('text').oninput = suggest;
$('k').oninput = suggest;
suggest();
