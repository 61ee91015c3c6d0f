/**
 * Look inside a step: the architecture of one guided denoising step, drawn with the real tensors of
 * the step shown in the reverse process (the latest, or the one "Show step" picked). Prompt → tokens →
 * text encoder → context; x_t, t and context → U-Net (one batch-2 call) → ε̂ of each branch, their
 * difference, the guided ε̂ → x̂0 → the sampler's update (with its fresh noise) → x_{t−1}. Every block
 * opens its formula; "Download" saves the shown tensors as JSON.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { branchEps, type BranchEps } from '../diffusion/branches.ts';
import { samplerInfo } from '../diffusion/sampler.ts';
import type { Frame } from '../state/generation-slice.ts';
import { useStore, type StoreState } from '../state/store.ts';
import type { TokenInfo, Tokenizer } from '../text/tokenizer.ts';
import { ChwCanvas } from './chw-canvas.tsx';
import { drawHeatmap } from './draw-heatmap.ts';
import { blockText, type BlockId } from './inside-step-blocks.ts';
import { pageTokenizer } from './model-tokenizer.ts';
import './inside.css';

const shownFrame = (s: StoreState): Frame | undefined => (s.viewIndex === null ? s.frames.at(-1) : s.frames[s.viewIndex]);

/** A gain that spreads ±2 standard deviations of `x` over the colour range (shown in the caption). */
function amplify(x: Float32Array): number {
  let sq = 0;
  for (const v of x) sq += v * v;
  const sd = Math.sqrt(sq / x.length);
  return sd > 0 ? 0.5 / sd : 1;
}

const sub = (a: Float32Array, b: Float32Array) => a.map((v, i) => v - b[i]);

const KIND_LABEL: Record<TokenInfo['kind'], string> = {
  caption: 'in training captions',
  glove: 'known only through its GloVe vector',
  hashed: 'unknown: hashed into a shared bucket',
  special: 'marker',
  vocab: 'in the vocabulary',
};

/** A clickable block with a picture (or other content) and a caption. */
function Block(props: { id: BlockId; selected: BlockId | null; onSelect(id: BlockId): void; title: ReactNode; caption?: ReactNode; wide?: boolean; children?: ReactNode }) {
  return (
    <figure className={`inside-block${props.wide ? ' wide' : ''}${props.selected === props.id ? ' selected' : ''}`} data-block={props.id}>
      <button type="button" className="inside-block-button" aria-pressed={props.selected === props.id} onClick={() => props.onSelect(props.id)}>
        <span className="inside-block-title">{props.title}</span>
        {props.children}
      </button>
      {props.caption && <figcaption>{props.caption}</figcaption>}
    </figure>
  );
}

/** Saves the shown step's tensors as JSON, so anyone can check the maths (e.g. the guidance formula). */
function downloadStep(frame: Frame, eps: BranchEps, guidance: number, prompt: string) {
  const list = (a: Float32Array | null) => (a ? Array.from(a) : null);
  const json = {
    step: frame.index + 1, total: frame.total, t: frame.t, t_prev: frame.tPrev, alpha_bar: frame.ab, guidance, prompt,
    shape: [3, Math.round(Math.sqrt(frame.xt.length / 3)), Math.round(Math.sqrt(frame.xt.length / 3))],
    x_t: list(frame.xt), v: list(frame.v), eps_uncond: list(eps.uncond), eps_cond: list(eps.cond), eps_guided: list(eps.guided),
    eps_sampler: list(frame.eps), x0_hat: list(frame.x0), noise: list(frame.noise), x_prev: list(frame.prev),
  };
  const url = URL.createObjectURL(new Blob([JSON.stringify(json)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `step-${frame.index + 1}-of-${frame.total}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function InsideStepView() {
  const frame = useStore(shownFrame);
  const first = useStore((s) => s.frames[0]);
  const params = useStore((s) => s.generationParams);
  const manifest = useStore((s) => s.manifest);
  const [tokenizer, setTokenizer] = useState<Tokenizer | null>(null);
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [selected, setSelected] = useState<BlockId | null>('unet');
  const contextRef = useRef<HTMLCanvasElement>(null);
  const [contextLimit, setContextLimit] = useState(0);

  useEffect(() => {
    if (!manifest) return;
    pageTokenizer(manifest).then(setTokenizer, (e: Error) => setTokenError(e.message));
  }, [manifest]);

  const text = first?.text ?? null;
  const L = manifest?.tokenizer.max_length ?? 16;
  useEffect(() => {
    if (text && contextRef.current) setContextLimit(drawHeatmap(contextRef.current, text.context, L, text.context.length / L));
  }, [text, L]);

  const w = params?.guidance ?? 1;
  // Per-branch eps-hat from the step's U-Net output, only for the step on screen.
  const eps = useMemo(() => (frame ? branchEps(frame.ab, frame.xt, frame.v, frame.v.length === 2 * frame.xt.length, w) : null), [frame, w]);

  if (!frame || !params || !eps) {
    return (
      <section className="card inside-view" aria-label="Look inside a step" data-testid="inside-view">
        <h2>Look inside a step</h2>
        <p className="hint">Generate an image: this view then shows every tensor of the step the reverse process shows.</p>
      </section>
    );
  }

  const guided = eps.uncond !== null;
  const diff = eps.uncond ? sub(eps.cond, eps.uncond) : null;
  const diffGain = diff ? amplify(diff) : 1;
  const removed = sub(frame.xt, frame.prev);
  const removedGain = amplify(removed);
  const explained = tokenizer ? tokenizer.explain(params.prompt) : null;
  // The chips show the ids the worker really encoded; the words come from the page's tokenizer.
  const tokens: TokenInfo[] = text
    ? Array.from(text.ids, (id, i) => (explained?.[i]?.id === id ? explained[i] : { id, text: '?', kind: 'vocab' as const }))
    : [];
  const shownTokens = tokens.filter((t, i) => t.text !== 'PAD' || i === tokens.findIndex((u) => u.text === 'PAD'));
  const info = blockText(selected ?? 'unet', params.sampler, w);
  const stochastic = frame.noise !== null;
  const t = Number.isInteger(frame.t) ? String(frame.t) : frame.t.toFixed(1);
  const tPrev = frame.tPrev === -1 ? 'the clean image' : `t = ${Number.isInteger(frame.tPrev) ? frame.tPrev : frame.tPrev.toFixed(1)}`;
  const block = { selected, onSelect: setSelected };

  return (
    <section className="card inside-view" aria-label="Look inside a step" data-testid="inside-view" data-step={frame.index + 1} data-t={frame.t}>
      <div className="view-head">
        <h2>Look inside a step</h2>
        <p className="counter">
          Step {frame.index + 1} / {frame.total} · t = {t} · ᾱ<sub>t</sub> = {frame.ab.toFixed(4)}
        </p>
      </div>
      <p className="explain">
        One step of the reverse process, with the real tensors of the step shown above (drag “Show step” to pick another). Click a block for
        its formula. Images are shown in [−1, 1]; noise from −2σ (black) to +2σ (white), mid-grey = 0.
      </p>

      <div className="inside-row" aria-label="Text path">
        <Block id="tokens" {...block} wide title="Prompt → tokens">
          <span className="token-chips" data-testid="token-chips">
            {shownTokens.map((tok, i) => (
              <span key={i} className={`chip chip-${tok.kind}`} title={`${tok.text}: id ${tok.id}, ${KIND_LABEL[tok.kind]}`}>
                {tok.text} <small>{tok.id}</small>
              </span>
            ))}
            {!text && <span className="hint quiet">(not kept for this run)</span>}
          </span>
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="encoder" {...block} title="Text encoder">
          <span className="inside-op">transformer, once per run</span>
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="context" {...block} wide title="Context" caption={text ? `${L} tokens (rows) × ${text.context.length / L} features; red > 0, blue < 0, full colour at ±${contextLimit.toFixed(2)}` : undefined}>
          <canvas ref={contextRef} className="heatmap" role="img" aria-label="context heatmap" />
        </Block>
      </div>
      <ul className="token-legend" aria-label="Token colours">
        <li><span className="chip chip-caption">word</span> in training captions</li>
        <li><span className="chip chip-glove">word</span> never in a caption, known through its GloVe vector</li>
        <li><span className="chip chip-hashed">word</span> unknown, hashed into one of 256 buckets</li>
        <li><span className="chip chip-special">BOS</span> markers</li>
        {tokenError && <li className="error-text">{tokenError}</li>}
      </ul>

      <div className="inside-row" aria-label="Image path">
        <Block id="xt" {...block} title={<>x<sub>t</sub>, t = {t}</>} caption="the noisy sample">
          <ChwCanvas chw={frame.xt} label="x_t" />
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="unet" {...block} title="U-Net" caption={guided ? 'one call, batch [∅, prompt]' : 'one call, batch [prompt] (w = 1)'}>
          <span className="inside-op">x<sub>t</sub> + t + context → v̂</span>
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <div className="inside-stack">
          <Block id="eps-uncond" {...block} title="ε̂ without prompt" caption={guided ? '±2σ' : 'no unconditional branch at w = 1'}>
            <ChwCanvas chw={eps.uncond} gain={0.5} label="predicted noise without the prompt" />
          </Block>
          <Block id="eps-cond" {...block} title="ε̂ with prompt" caption="±2σ">
            <ChwCanvas chw={eps.cond} gain={0.5} label="predicted noise with the prompt" />
          </Block>
        </div>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="eps-diff" {...block} title="ε̂_c − ε̂_∅" caption={diff ? `the prompt’s push, ×${(diffGain / 0.5).toFixed(1)} vs ε̂` : '–'}>
          <ChwCanvas chw={diff} gain={diffGain} label="difference between the two noise estimates, amplified" />
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="eps-guided" {...block} title={<>guided ε̂, w = {w}</>} caption="±2σ">
          <ChwCanvas chw={eps.guided} gain={0.5} label="guided predicted noise" />
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="x0" {...block} title="x̂₀" caption="guess of the clean image">
          <ChwCanvas chw={frame.x0} label="predicted clean image" />
        </Block>
      </div>

      <div className="inside-row" aria-label="Sampler path">
        <span className="row-label">x̂₀, ε̂ →</span>
        <Block id="sampler" {...block} title={`${samplerInfo(params.sampler).label} update`}>
          <span className="inside-op">toward x̂₀, to {tPrev}</span>
        </Block>
        <span className="arrow" aria-hidden="true">+</span>
        <Block id="noise" {...block} title="fresh noise z" caption={stochastic ? '±2σ, seeded' : 'none: this sampler step is deterministic'}>
          <ChwCanvas chw={frame.noise} gain={0.5} label="fresh noise the sampler injects" />
        </Block>
        <span className="arrow" aria-hidden="true">→</span>
        <Block id="prev" {...block} title={<>x<sub>t−1</sub></>} caption={frame.tPrev === -1 ? 'the finished image' : `the sample at ${tPrev}`}>
          <ChwCanvas chw={frame.prev} label="x_t-1, the sample after this step" />
        </Block>
        <Block id="removed" {...block} title={<>removed: x<sub>t</sub> − x<sub>t−1</sub></>} caption={`amplified ×${(removedGain / 0.5).toFixed(1)} vs noise scale`}>
          <ChwCanvas chw={removed} gain={removedGain} label="what this step removes, amplified" />
        </Block>
      </div>

      <div className="inside-detail" aria-live="polite" data-testid="inside-detail">
        <h3>{info.title}</h3>
        <p className="formula">{info.formula}</p>
        <p>{info.text}</p>
      </div>
      <p>
        <button type="button" className="secondary" onClick={() => downloadStep(frame, eps, w, params.prompt)}>
          Download this step’s tensors (JSON)
        </button>
      </p>
    </section>
  );
}
