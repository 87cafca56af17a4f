// web/hub/hub-ref.mjs — naming a model on the Hugging Face Hub: the link and
// attribute form `hf:OWNER/NAME` or `hf:OWNER/NAME@REVISION`, the Hub's base URL
// (`hub=`; default https://huggingface.co, or a mirror), the Hub's URL layout,
// and the hosts a page's connect-src must name to fetch from it.

export const DEFAULT_HUB = 'https://huggingface.co';

// huggingface.co answers the API and small files itself and redirects large
// (LFS / Xet) files to these hosts (the Hub's /.well-known/meta.json lists them).
export const HUB_CDN_HOSTS = [
  'https://cdn-lfs.hf.co', 'https://cdn-lfs-us-1.hf.co', 'https://cdn-lfs-eu-1.hf.co',
  'https://cdn-lfs.huggingface.co', 'https://cdn-lfs-us-1.huggingface.co',
  'https://cas-bridge.xethub.hf.co', 'https://transfer.xethub.hf.co',
];

const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

// 'hf:owner/name@rev' (or 'owner/name@rev') -> {repo, revision} | null when it is not a Hub name.
export function parseHubRef(text) {
  const s = String(text || '').trim().replace(/^hf:/, '');
  const m = /^([^/@\s]+)\/([^/@\s]+)(?:@([^\s]+))?$/.exec(s);
  if (!m || !PART.test(m[1]) || !PART.test(m[2])) return null;
  const revision = m[3] || 'main';
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(revision) || revision.includes('..')) return null;
  return { repo: `${m[1]}/${m[2]}`, revision };
}

export const isHubField = (field) => typeof field === 'string' && field.startsWith('hf:');

// The hash / attribute form of a ref: the revision only when it is not main.
export const hubField = ({ repo, revision }) => `hf:${repo}${revision && revision !== 'main' ? `@${revision}` : ''}`;

// A Hub base URL without its trailing slash; throws on anything but http(s).
export function normalizeHub(base) {
  if (!base) return DEFAULT_HUB;
  let u;
  try { u = new URL(base); } catch { throw new Error(`hub=${base} is not a URL (give e.g. https://huggingface.co)`); }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`hub=${base}: only http(s) Hubs can be used`);
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

const enc = (p) => p.split('/').map(encodeURIComponent).join('/');
export const hubUrls = (hub, repo) => ({
  info: (rev) => `${hub}/api/models/${enc(repo)}/revision/${encodeURIComponent(rev)}`,
  tree: (rev) => `${hub}/api/models/${enc(repo)}/tree/${encodeURIComponent(rev)}`,
  file: (rev, path) => `${hub}/${enc(repo)}/resolve/${encodeURIComponent(rev)}/${enc(path)}`,
  page: () => `${hub}/${enc(repo)}`,
});

// What an embedder's CSP needs: connect-src for the Hub and, for huggingface.co, its CDN hosts.
export const connectSrcFor = (hub) => {
  const origin = new URL(hub).origin;
  return origin === DEFAULT_HUB ? [origin, ...HUB_CDN_HOSTS] : [origin];
};
