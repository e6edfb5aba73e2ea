/**
 * A labelled corpus for precision/recall: positives of many credential formats embedded in many
 * file types, and hard negatives that look like secrets but are not (hashes, UUIDs, lockfile
 * integrity strings, base64 images, documentation fixtures). Generated from a fixed seed so the
 * corpus is the same on every run and no real-looking secret is committed to the repository.
 */
export interface CorpusFile {
  name: string;
  text: string;
  /** Secrets that must be found (exact strings). */
  secrets: string[];
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildCorpus(seed = 20261122): CorpusFile[] {
  const rnd = prng(seed);
  const from = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
  const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const HEX = '0123456789abcdef';
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const uuid = () => `${from(HEX, 8)}-${from(HEX, 4)}-4${from(HEX, 3)}-a${from(HEX, 3)}-${from(HEX, 12)}`;
  const secrets = {
    aws: `AKIA${from(B32, 16)}`,
    awsSecret: from(`${AN}/+`, 40),
    gh: `ghp_${from(AN, 36)}`,
    ghFine: `github_pat_${from(AN, 22)}_${from(AN, 59)}`,
    gitlab: `glpat-${from(AN, 20)}`,
    slack: `xoxb-${from('0123456789', 12)}-${from('0123456789', 12)}-${from(AN, 24)}`,
    stripe: `sk_live_${from(AN, 32)}`,
    anthropic: `sk-ant-api03-${from(AN + '-_', 93)}AA`,
    openai: `sk-proj-${from(AN, 40)}T3BlbkFJ${from(AN, 40)}`,
    npm: `npm_${from(AN, 36)}`,
    google: `AIza${from(AN + '-_', 35)}`,
    sendgrid: `SG.${from(AN, 22)}.${from(AN, 43)}`,
    twilio: `SK${from(HEX, 32)}`,
    hf: `hf_${from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 34)}`,
    dbpass: `${from(AN, 14)}`,
    jwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${from(AN, 40)}.${from(AN + '-_', 43)}`,
    pem: `-----BEGIN RSA PRIVATE KEY-----\n${Array.from({ length: 6 }, () => from(AN + '+/', 64)).join('\n')}\n-----END RSA PRIVATE KEY-----`,
    doToken: `dop_v1_${from(HEX, 64)}`,
    vault: `hvs.${from(AN + '_-', 95)}`,
    shopify: `shpat_${from(HEX, 32)}`,
    groq: `gsk_${from(AN, 52)}`,
    generic: `${from(AN, 10)}9${from(AN, 21)}`,
    pypi: `pypi-AgEIcHlwaS5vcmc${from(AN + '-_', 70)}`,
    telegram: `${from('123456789', 9)}:AA${from(AN + '_-', 33)}`,
  };
  const S = secrets;
  const positives: CorpusFile[] = [
    { name: 'deploy/settings.py', text: `import os\nDEBUG = False\nAWS_ACCESS_KEY_ID = "${S.aws}"\nAWS_SECRET_ACCESS_KEY = "${S.awsSecret}"\n`, secrets: [S.aws, S.awsSecret] },
    { name: 'scripts/release.sh', text: `#!/bin/sh\nexport GITHUB_TOKEN=${S.gh}\ngh release create v1\n`, secrets: [S.gh] },
    { name: 'ci/.gitlab-ci.yml', text: `variables:\n  GL_TOKEN: "${S.gitlab}"\n  FINE: ${S.ghFine}\n`, secrets: [S.gitlab, S.ghFine] },
    { name: 'src/notify.ts', text: `const slack = new WebClient('${S.slack}');\nexport const stripe = new Stripe("${S.stripe}");\n`, secrets: [S.slack, S.stripe] },
    { name: 'agent/config.json', text: JSON.stringify({ anthropic: { apiKey: S.anthropic }, openai: S.openai, google: S.google }, null, 2), secrets: [S.anthropic, S.openai, S.google] },
    { name: '.npmrc.backup', text: `//registry.npmjs.org/:_authToken=${S.npm}\n`, secrets: [S.npm] },
    { name: 'infra/main.tf', text: `provider "digitalocean" {\n  token = "${S.doToken}"\n}\n# vault\nvault_token = "${S.vault}"\n`, secrets: [S.doToken, S.vault] },
    { name: 'mail/Mailer.java', text: `class Mailer {\n  static final String KEY = "${S.sendgrid}";\n  String twilio_api_key = "${S.twilio}";\n}\n`, secrets: [S.sendgrid, S.twilio] },
    { name: 'notebooks/train.ipynb', text: JSON.stringify({ cells: [{ cell_type: 'code', source: [`login(token="${S.hf}")\n`, `client = Groq(api_key="${S.groq}")`] }] }), secrets: [S.hf, S.groq] },
    { name: 'docker-compose.yml', text: `services:\n  api:\n    environment:\n      DATABASE_URL: postgres://app:${S.dbpass}@db:5432/app\n`, secrets: [S.dbpass] },
    { name: 'docs/auth.md', text: `Call the API with\n\n    curl -H "Authorization: Bearer ${S.jwt}" https://api.internal\n`, secrets: [S.jwt] },
    { name: 'keys/deploy_rsa', text: `${S.pem}\n`, secrets: [S.pem] },
    { name: 'shop/app.rb', text: `ShopifyAPI::Context.setup(api_key: "x", access_token: "${S.shopify}")\n`, secrets: [S.shopify] },
    { name: 'config/app.properties', text: `server.port=8080\nclient_secret=${S.generic}\n`, secrets: [S.generic] },
    { name: '.pypirc', text: `[pypi]\nusername = __token__\npassword = ${S.pypi}\n`, secrets: [S.pypi] },
    { name: 'bot/bot.go', text: `package main\nconst botToken = "${S.telegram}"\n`, secrets: [S.telegram] },
  ];
  const png = from(AN + '+/', 2400);
  const negatives: CorpusFile[] = [
    { name: 'package-lock.json', text: JSON.stringify({ packages: { 'node_modules/left-pad': { version: '1.3.0', resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz', integrity: `sha512-${from(AN + '+/', 86)}==` }, 'node_modules/yaml': { integrity: `sha1-${from(AN + '+/', 27)}=` } } }, null, 2), secrets: [] },
    { name: 'checksums.txt', text: Array.from({ length: 20 }, () => `${from(HEX, 64)}  dist/file-${from(HEX, 6)}.tgz`).join('\n'), secrets: [] },
    { name: 'git-log.txt', text: Array.from({ length: 20 }, () => `commit ${from(HEX, 40)}\nAuthor: Dev <dev@example.com>\n`).join('\n'), secrets: [] },
    { name: 'fixtures/users.json', text: JSON.stringify(Array.from({ length: 20 }, () => ({ id: uuid(), session_token_id: uuid(), name: 'user' }))), secrets: [] },
    { name: 'web/logo.html', text: `<img src="data:image/png;base64,iVBORw0KGgo${png}">\n`, secrets: [] },
    { name: 'docs/aws.md', text: 'Set `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` and `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.\n', secrets: [] },
    { name: 'test/fixtures.ts', text: `export const config = { apiKey: process.env.API_KEY, password: 'changeme', token: "xxxxxxxxxxxxxxxxxxxxxxxx", secret: "\${SECRET}", api_key: "<your-api-key>" };\n`, secrets: [] },
    { name: 'src/constants.ts', text: `export const PASSWORD_FIELD = "passwordConfirmation";\nexport const TOKEN_HEADER = "x-request-token-id";\nconst secretName = "projects/p/secrets/db/versions/latest";\n`, secrets: [] },
    { name: 'go.sum', text: Array.from({ length: 15 }, () => `github.com/pkg/mod${from(HEX, 3)} v1.2.3 h1:${from(AN + '+/', 43)}=`).join('\n'), secrets: [] },
    { name: 'yarn.lock', text: Array.from({ length: 10 }, () => `"dep@^1.0.0":\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/dep/-/dep-1.0.0.tgz#${from(HEX, 40)}"\n  integrity sha512-${from(AN + '+/', 86)}==`).join('\n'), secrets: [] },
    { name: 'css/site.css', text: `.icon { background: url(data:image/svg+xml;base64,${from(AN + '+/', 600)}); }\n.x{color:#${from(HEX, 6)}}\n`, secrets: [] },
    { name: 'k8s/deployment.yaml', text: `apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: registry/app@sha256:${from(HEX, 64)}\n          env:\n            - name: API_TOKEN\n              valueFrom: { secretKeyRef: { name: api, key: token } }\n`, secrets: [] },
  ];
  return [...positives, ...negatives];
}
