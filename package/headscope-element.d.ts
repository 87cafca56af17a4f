// package/headscope-element.d.ts — the TypeScript face of <headscope-view>
// (web/headscope-element.js): its attributes, its properties and its events.
// Shipped at the npm package's root next to headscope-element.js; importing the
// script defines the element, so `import 'headscope';` (or the <script> tag) is
// all a page needs. tests/web/cdn.test.mjs checks that the attributes below are
// exactly the element's observedAttributes and that the event detail has these keys.

/** Every attribute is a string, as in HTML; the comments give the values read. */
export interface HeadscopeViewAttributes {
  /** URL of a model folder (config.json, model.safetensors, tokenizer.json), relative to the page,
   *  or a Hub model `hf:OWNER/NAME` / `hf:OWNER/NAME@REVISION`; default: the first bundled model. */
  model?: string;
  /** For `hf:` models, the Hub's base URL (default https://huggingface.co). */
  hub?: string;
  /** The sentence (shown as text, never as HTML). */
  text?: string;
  /** The minimal pairs view's sentence B (view="pairs"): compared with `text`, head by head. */
  'text-b'?: string;
  /** The focused head's layer, 0-based. */
  layer?: string;
  /** The focused head, 0-based. */
  head?: string;
  view?: 'grid' | 'head' | 'matrix' | 'inside' | 'lens' | 'pairs';
  /** Present (and not "false"): the reader may change the text. */
  editable?: string;
  theme?: 'light' | 'dark' | 'auto';
  /** "0": no 1/sqrt(d_k) scale. */
  scale?: '0' | '1';
  /** "0": no causal mask (ignored, with a console warning, on an encoder). */
  causal?: '0' | '1';
  /** Softmax temperature of the head `temperature-head` names. */
  temperature?: string;
  /** "L.H": the head `temperature` applies to. */
  'temperature-head'?: string;
  /** Heads switched off: "L.H,L.H". */
  ablate?: string;
  ablation?: 'zero' | 'mean';
  /** "1": the views draw alpha * ||v W_O|| per query row. */
  'value-weighted'?: '0' | '1';
  /** Present: show Continue (generation), its sampling knobs and the replay slider. */
  generate?: string;
  /** "N": the text's last N tokens were generated (the replay slider's range). */
  generated?: string;
  /** "K": pin the row that produced the K-th generated token. */
  replay?: string;
  /** Sampling knobs of Continue. */
  'max-new'?: string;
  /** "0": greedy. */
  'sample-temperature'?: string;
  'top-k'?: string;
  'top-p'?: string;
  seed?: string;
  /** A predict-then-reveal question: "attend" (from `from`, which token does head layer/head
   *  attend to most? the head stays hidden until the reader clicks a token) or "role" (which
   *  head looks at `role`? the reader clicks a head of the grid). */
  exercise?: 'attend' | 'role';
  /** The attend question's query token: a position (digits) or a token's text (its first occurrence). */
  from?: string;
  /** The question's wording, when the author wrote their own. */
  question?: string;
  /** The role a role question asks for, e.g. "previous_token" (the default). */
  role?: string;
  /** The guided lesson inside the element: "N" opens it at step N (1 = the first); present with no
   *  number, where this element's reader left off (remembered per element id, so only an element
   *  with an id resumes). Its steps set this element's view, head, pinned token and knob
   *  attributes; Skip (or removing the attribute) puts the knob attributes back. The attribute follows the step on screen. */
  lesson?: string;
}

export type HeadscopeViewAttributeName = keyof HeadscopeViewAttributes;

export type HeadscopeViewState = 'loading' | 'ready' | 'running' | 'rendered' | 'error';

/** `headscope:rendered`: the element has drawn this run at its final layout. */
export interface HeadscopeRenderedDetail {
  /** The run's tokens as display text. */
  tokens: string[];
  n_layer: number;
  n_head: number;
  /** Number of tokens. */
  T: number;
  /** The focused head. */
  layer: number;
  head: number;
}

/** `headscope:error`: what went wrong, in words for the reader. */
export interface HeadscopeErrorDetail {
  message: string;
}

export interface HeadscopeViewEventMap extends HTMLElementEventMap {
  'headscope:rendered': CustomEvent<HeadscopeRenderedDetail>;
  'headscope:error': CustomEvent<HeadscopeErrorDetail>;
}

export declare class HeadscopeView extends HTMLElement {
  static readonly observedAttributes: HeadscopeViewAttributeName[];
  /** How many compute workers this page has started (one, however many elements). */
  static readonly workersCreated: number;
  /** The same as the `data-state` attribute. */
  readonly state: HeadscopeViewState | undefined;
  /** A promise of the next drawn result (rejects on `headscope:error`). */
  whenRendered(): Promise<HeadscopeRenderedDetail>;
  /** Stops a Hub download in progress (the element then shows the bundled model). */
  cancel(): void;
  getAttribute(name: HeadscopeViewAttributeName | (string & {})): string | null;
  setAttribute(name: HeadscopeViewAttributeName | (string & {}), value: string): void;
  addEventListener<K extends keyof HeadscopeViewEventMap>(type: K,
    listener: (this: HeadscopeView, ev: HeadscopeViewEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof HeadscopeViewEventMap>(type: K,
    listener: (this: HeadscopeView, ev: HeadscopeViewEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'headscope-view': HeadscopeView;
  }
  // the events bubble out of the element (composed): a listener on document sees them too
  interface DocumentEventMap {
    'headscope:rendered': CustomEvent<HeadscopeRenderedDetail>;
    'headscope:error': CustomEvent<HeadscopeErrorDetail>;
  }
}
