// Which preview a blob gets, from its content type and, failing that, its name's extension.

export type PreviewKind = 'image' | 'audio' | 'video' | 'pdf' | 'text';

const byExtension: Record<string, PreviewKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  avif: 'image',
  bmp: 'image',
  ico: 'image',
  svg: 'image',
  mp3: 'audio',
  wav: 'audio',
  ogg: 'audio',
  oga: 'audio',
  m4a: 'audio',
  aac: 'audio',
  flac: 'audio',
  opus: 'audio',
  mp4: 'video',
  m4v: 'video',
  webm: 'video',
  ogv: 'video',
  mov: 'video',
  pdf: 'pdf',
  txt: 'text',
  log: 'text',
  md: 'text',
  markdown: 'text',
  csv: 'text',
  tsv: 'text',
  json: 'text',
  ndjson: 'text',
  jsonl: 'text',
  xml: 'text',
  yaml: 'text',
  yml: 'text',
  toml: 'text',
  ini: 'text',
  cfg: 'text',
  conf: 'text',
  env: 'text',
  properties: 'text',
  html: 'text',
  htm: 'text',
  css: 'text',
  js: 'text',
  mjs: 'text',
  cjs: 'text',
  ts: 'text',
  tsx: 'text',
  jsx: 'text',
  py: 'text',
  rb: 'text',
  go: 'text',
  rs: 'text',
  java: 'text',
  kt: 'text',
  c: 'text',
  h: 'text',
  cc: 'text',
  cpp: 'text',
  hpp: 'text',
  cs: 'text',
  php: 'text',
  sh: 'text',
  bash: 'text',
  ps1: 'text',
  sql: 'text',
  r: 'text',
  swift: 'text',
  gitignore: 'text',
  dockerfile: 'text',
  makefile: 'text',
  tf: 'text',
  bicep: 'text',
  srt: 'text',
  vtt: 'text',
};

const textTypes = [
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'application/ld+json',
  'application/x-ndjson',
  'application/csv',
  'application/graphql',
];

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot < 0 ? base : base.slice(dot + 1);
}

export function previewKind(name: string, contentType: string | null | undefined): PreviewKind | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type && type !== 'application/octet-stream' && type !== 'binary/octet-stream') {
    if (type.startsWith('image/')) return 'image';
    if (type.startsWith('audio/')) return 'audio';
    if (type.startsWith('video/')) return 'video';
    if (type === 'application/pdf') return 'pdf';
    if (type.startsWith('text/') || textTypes.includes(type) || type.endsWith('+json') || type.endsWith('+xml'))
      return 'text';
  }
  return byExtension[extensionOf(name)] ?? null;
}
