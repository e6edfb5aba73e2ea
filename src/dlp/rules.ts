/**
 * Built-in secret rules. Each names the provider and format, the literal keywords that must
 * occur for the rule to be tried (the prefilter looks for these, lower-cased), and a regex
 * whose first capture group (or whole match) is the secret. Written for this project from the
 * providers' published token formats.
 */
export type Severity = 'high' | 'medium' | 'low';

export interface SecretRule {
  id: string;
  description: string;
  keywords: string[];
  regex: RegExp;
  severity: Severity;
  /** Minimum Shannon entropy (bits per char) of the secret, for rules that catch loose shapes. */
  entropy?: number;
  /** Longest expected match after its keyword; the regex runs on a window this wide. */
  window?: number;
  /** Which capture group is the secret (default: the first group, else the whole match). */
  secretGroup?: number;
  /** Extra test on the secret (e.g. exclude hashes); false drops the match. */
  accept?: (secret: string) => boolean;
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** `name ... = value` within a short distance, for providers whose keys have no prefix. */
const near = (names: string, value: string) => new RegExp(`(?:${names})[\\w.-]{0,25}?["']?\\s{0,3}[:=]{1,2}>?\\s{0,3}["']?(${value})(?![A-Za-z0-9])`, 'gi');

type Row = [id: string, description: string, keywords: string[], regex: RegExp, severity?: Severity, extra?: Partial<SecretRule>];

const rows: Row[] = [
  // Cloud
  ['aws-access-key-id', 'AWS access key id', ['akia', 'asia', 'abia', 'acca'], /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g],
  ['aws-secret-access-key', 'AWS secret access key', ['aws'], near('aws_?secret_?access_?key|aws_?secret|aws.{0,10}secret', '[A-Za-z0-9/+]{40}')],
  ['aws-mws-key', 'Amazon MWS auth token', ['amzn.mws'], new RegExp(`amzn\\.mws\\.${UUID}`, 'g')],
  ['gcp-api-key', 'Google API key', ['aiza'], /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g],
  ['gcp-service-account-key', 'Google service account private key id', ['private_key_id'], /"private_key_id"\s*:\s*"([0-9a-f]{40})"/g],
  ['gcp-oauth-client-secret', 'Google OAuth client secret', ['gocspx-'], /\b(GOCSPX-[0-9A-Za-z_-]{28})/g],
  ['gcp-oauth-access-token', 'Google OAuth access token', ['ya29.'], /\b(ya29\.[0-9A-Za-z_-]{30,})/g],
  ['azure-storage-account-key', 'Azure storage account key', ['accountkey'], /AccountKey=([A-Za-z0-9+/]{86}==)/gi],
  ['azure-ad-client-secret', 'Azure AD client secret', ['q~'], /(?<![A-Za-z0-9_~.])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g],
  ['azure-sas-token', 'Azure shared access signature', ['sig='], /[?&]sv=\d{4}-\d{2}-\d{2}&[^\s"'<>]*?sig=([A-Za-z0-9%+/=]{40,})/g, 'medium', { window: 1024 }],
  ['azure-devops-pat', 'Azure DevOps personal access token', ['azure_devops', 'ado_pat', 'azdo'], near('azure_devops_pat|azure_devops_token|ado_pat|azdo_pat|azdo_token', '[a-z2-7]{52}')],
  ['alibaba-access-key-id', 'Alibaba Cloud AccessKey id', ['ltai'], /\b(LTAI[A-Za-z0-9]{20})\b/g],
  ['tencent-secret-id', 'Tencent Cloud SecretId', ['akid'], /\b(AKID[A-Za-z0-9]{32})\b/g],
  ['ibm-cloud-api-key', 'IBM Cloud API key', ['ibm'], near('ibm_?cloud_?api_?key|ibm_?api_?key|ibmcloud_api_key', '[A-Za-z0-9_-]{44}')],
  ['digitalocean-pat', 'DigitalOcean personal access token', ['dop_v1_'], /\b(dop_v1_[0-9a-f]{64})\b/g],
  ['digitalocean-oauth', 'DigitalOcean OAuth token', ['doo_v1_'], /\b(doo_v1_[0-9a-f]{64})\b/g],
  ['digitalocean-refresh', 'DigitalOcean refresh token', ['dor_v1_'], /\b(dor_v1_[0-9a-f]{64})\b/g],
  ['flyio-token', 'Fly.io access token', ['fo1_', 'fm2_'], /\b((?:fo1_[A-Za-z0-9_-]{43})|(?:fm2_[A-Za-z0-9+/=_-]{100,}))/g],
  ['heroku-api-key', 'Heroku API key', ['heroku'], near('heroku_?api_?key|heroku_?token|heroku', UUID)],
  ['heroku-api-key-v2', 'Heroku API key (HRKU)', ['hrku-'], /\b(HRKU-[A-Za-z0-9_-]{60})/g],
  ['cloudflare-api-token', 'Cloudflare API token', ['cloudflare', 'cf_api'], near('cloudflare_?api_?token|cloudflare_?token|cf_api_token|cloudflare_?api_?key|cf_api_key', '[A-Za-z0-9_-]{37,40}')],
  ['cloudflare-origin-ca-key', 'Cloudflare Origin CA key', ['v1.0-'], /\b(v1\.0-[0-9a-f]{24}-[0-9a-f]{146})\b/g, 'high', { window: 256 }],
  ['linode-token', 'Linode API token', ['linode'], near('linode_?token|linode_?api_?key|linode_cli_token', '[0-9a-f]{64}')],
  ['vultr-api-key', 'Vultr API key', ['vultr'], near('vultr_?api_?key|vultr_?token', '[A-Z0-9]{36}')],
  ['scaleway-secret-key', 'Scaleway secret key', ['scw_secret', 'scaleway'], near('scw_secret_key|scaleway_?secret', UUID)],
  ['hetzner-token', 'Hetzner Cloud API token', ['hcloud'], near('hcloud_?token', '[A-Za-z0-9]{64}')],
  ['openstack-password', 'OpenStack password', ['os_password'], near('os_password', '[^\\s"\']{8,64}')],
  ['supabase-pat', 'Supabase access token', ['sbp_'], /\b(sbp_[0-9a-f]{40})\b/g],
  ['planetscale-token', 'PlanetScale token', ['pscale_tkn_', 'pscale_pw_', 'pscale_oauth_'], /\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64})/g],
  ['databricks-token', 'Databricks API token', ['dapi'], /\b(dapi[0-9a-f]{32}(?:-\d)?)\b/g],
  ['firebase-cloud-messaging-key', 'Firebase Cloud Messaging server key', ['aaaa'], /\b(AAAA[A-Za-z0-9_-]{7}:[A-Za-z0-9_-]{140})/g, 'high', { window: 200 }],
  ['snowflake-password-url', 'Snowflake connection with password', ['snowflake://'], /snowflake:\/\/[^\s:@/'"]+:([^\s@/'"]{4,})@/g],
  // Version control, CI/CD, registries
  ['github-pat', 'GitHub personal access token', ['ghp_'], /\b(ghp_[0-9A-Za-z]{36})\b/g],
  ['github-oauth', 'GitHub OAuth access token', ['gho_'], /\b(gho_[0-9A-Za-z]{36})\b/g],
  ['github-user-to-server', 'GitHub app user-to-server token', ['ghu_'], /\b(ghu_[0-9A-Za-z]{36})\b/g],
  ['github-server-to-server', 'GitHub app installation token', ['ghs_'], /\b(ghs_[0-9A-Za-z]{36})\b/g],
  ['github-refresh-token', 'GitHub refresh token', ['ghr_'], /\b(ghr_[0-9A-Za-z]{36,76})\b/g],
  ['github-fine-grained-pat', 'GitHub fine-grained personal access token', ['github_pat_'], /\b(github_pat_[0-9A-Za-z_]{82})\b/g],
  ['gitlab-pat', 'GitLab personal access token', ['glpat-'], /\b(glpat-[0-9A-Za-z_-]{20,})/g],
  ['gitlab-pipeline-trigger', 'GitLab pipeline trigger token', ['glptt-'], /\b(glptt-[0-9a-f]{40})\b/g],
  ['gitlab-runner-token', 'GitLab runner authentication token', ['glrt-'], /\b(glrt-[0-9A-Za-z_-]{20,})/g],
  ['gitlab-deploy-token', 'GitLab deploy token', ['gldt-'], /\b(gldt-[0-9A-Za-z_-]{20,})/g],
  ['gitlab-feed-token', 'GitLab feed token', ['glft-'], /\b(glft-[0-9A-Za-z_-]{20})/g],
  ['gitlab-incoming-mail-token', 'GitLab incoming mail token', ['glimt-'], /\b(glimt-[0-9A-Za-z_-]{25})/g],
  ['gitlab-oauth-secret', 'GitLab OAuth application secret', ['gloas-'], /\b(gloas-[0-9A-Za-z_-]{64})/g],
  ['gitlab-scim-token', 'GitLab SCIM token', ['glsoat-'], /\b(glsoat-[0-9A-Za-z_-]{20})/g],
  ['bitbucket-app-password', 'Bitbucket app password', ['atbb'], /\b(ATBB[A-Za-z0-9_=.-]{32,})/g],
  ['atlassian-api-token', 'Atlassian API token', ['atatt3'], /\b(ATATT3[A-Za-z0-9_=-]{150,250})/g, 'high', { window: 300 }],
  ['circleci-pat', 'CircleCI personal token', ['ccipat_'], /\b(CCIPAT_[A-Za-z0-9]{22}_[0-9a-f]{40})\b/g],
  ['buildkite-token', 'Buildkite agent or API token', ['bkua_', 'bkat_'], /\b(bk(?:ua|at)_[0-9a-f]{40})\b/g],
  ['travis-token', 'Travis CI token', ['travis'], near('travis_?(?:api_?)?token', '[A-Za-z0-9_-]{22}')],
  ['harness-pat', 'Harness access token', ['pat.'], /\b(pat\.[A-Za-z0-9_-]{22}\.[0-9a-f]{24}\.[A-Za-z0-9]{20})\b/g],
  ['sonarqube-token', 'SonarQube token', ['sqp_', 'squ_', 'sqa_'], /\b(sq[pua]_[0-9a-f]{40})\b/g],
  ['snyk-token', 'Snyk API token', ['snyk'], near('snyk_?(?:api_?)?token|snyk_?key', UUID)],
  ['codecov-token', 'Codecov upload token', ['codecov'], near('codecov_?token', UUID)],
  ['npm-token', 'npm access token', ['npm_'], /\b(npm_[A-Za-z0-9]{36})\b/g],
  ['npmrc-auth-token', 'npm registry auth token in .npmrc', ['_authtoken'], /_authToken\s*=\s*([^\s"'$][^\s"']{15,})/g],
  ['pypi-token', 'PyPI upload token', ['pypi-ageichlwas5vcmc'], /\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})/g, 'high', { window: 400 }],
  ['rubygems-key', 'RubyGems API key', ['rubygems_'], /\b(rubygems_[0-9a-f]{48})\b/g],
  ['nuget-key', 'NuGet API key', ['oy2'], /\b(oy2[a-z0-9]{43})\b/g],
  ['dockerhub-pat', 'Docker Hub personal access token', ['dckr_pat_'], /\b(dckr_pat_[A-Za-z0-9_-]{27})/g],
  ['docker-config-auth', 'Docker registry credentials in config.json', ['"auth"'], /"auth"\s*:\s*"([A-Za-z0-9+/]{16,}={0,2})"/g, 'medium'],
  ['clojars-token', 'Clojars deploy token', ['clojars_'], /\b(CLOJARS_[a-z0-9]{60})\b/g],
  ['artifactory-api-key', 'JFrog Artifactory API key', ['akcp'], /\b(AKCp[A-Za-z0-9]{69})\b/g],
  ['artifactory-reference-token', 'JFrog Artifactory reference token', ['cmvmd'], /\b(cmVmd[A-Za-z0-9]{59})\b/g],
  ['hashicorp-vault-token', 'HashiCorp Vault service token', ['hvs.', 'hvb.'], /\b(hv[sb]\.[A-Za-z0-9_-]{90,})/g, 'high', { window: 300 }],
  ['terraform-cloud-token', 'Terraform Cloud / HCP token', ['atlasv1'], /\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})/g],
  ['pulumi-token', 'Pulumi access token', ['pul-'], /\b(pul-[0-9a-f]{40})\b/g],
  ['doppler-token', 'Doppler token', ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.'], /\b(dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,44})/g],
  ['infracost-key', 'Infracost API key', ['ico-'], /\b(ico-[A-Za-z0-9]{32})\b/g],
  ['octopus-deploy-key', 'Octopus Deploy API key', ['api-'], /\b(API-[A-Z0-9]{26,32})\b/g, 'medium'],
  ['prefect-key', 'Prefect API key', ['pnu_'], /\b(pnu_[A-Za-z0-9]{36})\b/g],
  ['scalingo-token', 'Scalingo API token', ['tk-us-'], /\b(tk-us-[A-Za-z0-9_-]{48})/g],
  ['vercel-token', 'Vercel token', ['vercel'], near('vercel_?token|vercel_?api_?key', '[A-Za-z0-9]{24}')],
  ['netlify-token', 'Netlify access token', ['netlify'], near('netlify_?(?:auth_?)?token', '[A-Za-z0-9_-]{40,46}')],
  ['render-api-key', 'Render API key', ['rnd_'], /\b(rnd_[A-Za-z0-9]{32})\b/g],
  // Payments and commerce
  ['stripe-secret-key', 'Stripe secret or restricted key', ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], /\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})\b/g],
  ['stripe-webhook-secret', 'Stripe webhook signing secret', ['whsec_'], /\b(whsec_[0-9A-Za-z]{32,})\b/g],
  ['square-access-token', 'Square access token', ['sq0atp-', 'eaaa'], /\b((?:sq0atp-[0-9A-Za-z_-]{22})|(?:EAAA[0-9A-Za-z_-]{60}))(?![0-9A-Za-z_-])/g],
  ['square-oauth-secret', 'Square OAuth secret', ['sq0csp-'], /\b(sq0csp-[0-9A-Za-z_-]{43})/g],
  ['braintree-access-token', 'PayPal Braintree access token', ['access_token$production'], /(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})/g],
  ['paypal-client-secret', 'PayPal client secret', ['paypal'], near('paypal_?(?:client_?)?secret', '[A-Za-z0-9_-]{80}')],
  ['shopify-access-token', 'Shopify access token', ['shpat_'], /\b(shpat_[a-fA-F0-9]{32})\b/g],
  ['shopify-custom-app-token', 'Shopify custom app token', ['shpca_'], /\b(shpca_[a-fA-F0-9]{32})\b/g],
  ['shopify-private-app-token', 'Shopify private app token', ['shppa_'], /\b(shppa_[a-fA-F0-9]{32})\b/g],
  ['shopify-shared-secret', 'Shopify shared secret', ['shpss_'], /\b(shpss_[a-fA-F0-9]{32})\b/g],
  ['plaid-access-token', 'Plaid access token', ['access-sandbox-', 'access-development-', 'access-production-'], new RegExp(`\\b(access-(?:sandbox|development|production)-${UUID})\\b`, 'g')],
  ['flutterwave-secret-key', 'Flutterwave secret key', ['flwseck'], /\b(FLWSECK(?:_TEST)?-[0-9a-f]{32}-X)/g],
  ['razorpay-key', 'Razorpay key', ['rzp_'], /\b(rzp_(?:live|test)_[0-9A-Za-z]{14})\b/g],
  ['adyen-api-key', 'Adyen API key', ['aqe'], /\b(AQE[A-Za-z0-9+/=_-]{80,200})/g, 'medium', { window: 260 }],
  ['coinbase-api-secret', 'Coinbase API secret', ['coinbase'], near('coinbase_?(?:api_?)?secret', '[A-Za-z0-9+/=]{32,88}')],
  ['shippo-token', 'Shippo API token', ['shippo_'], /\b(shippo_(?:live|test)_[0-9a-f]{40})\b/g],
  ['easypost-key', 'EasyPost API key', ['ezak', 'eztk'], /\b(EZ[AT]K[0-9A-Za-z]{54})\b/g],
  ['gocardless-token', 'GoCardless access token', ['live_'], /\b(live_[A-Za-z0-9_=-]{40})(?![A-Za-z0-9_=-])/g, 'medium'],
  // Chat, mail, messaging
  ['slack-bot-token', 'Slack bot token', ['xoxb-'], /\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[0-9A-Za-z]{24})\b/g],
  ['slack-user-token', 'Slack user token', ['xoxp-', 'xoxe-'], /\b(xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[0-9a-f]{32})\b/g],
  ['slack-app-token', 'Slack app-level token', ['xapp-'], /\b(xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)\b/g],
  ['slack-config-token', 'Slack configuration token', ['xoxe.'], /\b(xoxe\.xox[bp]-\d-[A-Z0-9]{163,166})\b/g, 'high', { window: 200 }],
  ['slack-legacy-token', 'Slack legacy or workspace token', ['xoxa-', 'xoxo-', 'xoxs-', 'xoxr-'], /\b(xox[aosr]-[0-9A-Za-z-]{10,48})\b/g],
  ['slack-webhook', 'Slack incoming webhook', ['hooks.slack.com'], /(hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56})/g, 'medium'],
  ['discord-bot-token', 'Discord bot token', ['discord'], near('discord_?(?:bot_?)?token', '[MN][A-Za-z\\d]{23,25}\\.[\\w-]{6}\\.[\\w-]{27,38}')],
  ['discord-webhook', 'Discord webhook', ['discord'], /(discord(?:app)?\.com\/api\/webhooks\/\d+\/[\w-]{60,70})/g, 'medium'],
  ['telegram-bot-token', 'Telegram bot token', [':aa'], /(?<![0-9A-Za-z])(\d{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])/g],
  ['twilio-api-key', 'Twilio API key', ['twilio'], near('twilio_?api_?key|twilio_?key|twilio_?sid', 'SK[0-9a-fA-F]{32}')],
  ['twilio-auth-token', 'Twilio auth token', ['twilio'], near('twilio_?auth_?token|twilio_?token|twilio_?secret', '[0-9a-f]{32}')],
  ['sendgrid-key', 'SendGrid API key', ['sg.'], /\b(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?![0-9A-Za-z_-])/g],
  ['mailgun-key', 'Mailgun API key', ['key-'], /\b(key-[0-9a-f]{32})\b/g],
  ['mailchimp-key', 'Mailchimp API key', ['-us'], /\b([0-9a-f]{32}-us\d{1,2})\b/g],
  ['postmark-token', 'Postmark server token', ['postmark'], near('postmark_?(?:api_?|server_?)?token', UUID)],
  ['mailjet-secret', 'Mailjet secret key', ['mailjet'], near('mailjet_?(?:api_?)?secret', '[0-9a-f]{32}')],
  ['sendinblue-key', 'Brevo (Sendinblue) API key', ['xkeysib-'], /\b(xkeysib-[0-9a-f]{64}-[0-9A-Za-z]{16})\b/g],
  ['teams-webhook', 'Microsoft Teams webhook', ['webhook.office.com'], /(https:\/\/[a-z0-9-]+\.webhook\.office\.com\/webhookb2\/[^\s"'<>]{40,})/g, 'medium', { window: 400 }],
  ['zapier-webhook', 'Zapier webhook', ['hooks.zapier.com'], /(hooks\.zapier\.com\/hooks\/catch\/\d+\/[a-z0-9]+)/g, 'medium'],
  ['mattermost-token', 'Mattermost access token', ['mattermost'], near('mattermost_?(?:access_?)?token', '[a-z0-9]{26}')],
  ['intercom-token', 'Intercom access token', ['intercom'], near('intercom_?(?:access_?)?token', '[A-Za-z0-9=_-]{60}')],
  ['zendesk-token', 'Zendesk API token', ['zendesk'], near('zendesk_?(?:api_?)?token', '[A-Za-z0-9]{40}')],
  ['hubspot-pat', 'HubSpot private app token', ['pat-na1-', 'pat-eu1-'], new RegExp(`\\b(pat-(?:na|eu)1-${UUID})\\b`, 'g')],
  // LLM and ML vendors
  ['anthropic-api-key', 'Anthropic API key', ['sk-ant-'], /\b(sk-ant-(?:api03|admin01)-[0-9A-Za-z_-]{80,100})(?![0-9A-Za-z_-])/g],
  ['openai-api-key', 'OpenAI API key', ['t3blbkfj'], /\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])/g, 'high', { window: 300 }],
  ['openai-project-key', 'OpenAI project or service key', ['sk-proj-', 'sk-svcacct-', 'sk-admin-'], /\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,200})(?![A-Za-z0-9_-])/g, 'high', { window: 300 }],
  ['huggingface-token', 'Hugging Face access token', ['hf_'], /\b(hf_[A-Za-z]{34})\b/g],
  ['huggingface-org-token', 'Hugging Face organisation token', ['api_org_'], /\b(api_org_[A-Za-z]{34})\b/g],
  ['cohere-api-key', 'Cohere API key', ['cohere', 'co_api_key'], near('cohere_?api_?key|co_api_key|cohere_?key', '[A-Za-z0-9]{40}')],
  ['replicate-token', 'Replicate API token', ['r8_'], /\b(r8_[0-9A-Za-z]{37})\b/g],
  ['groq-api-key', 'Groq API key', ['gsk_'], /\b(gsk_[0-9A-Za-z]{52})\b/g],
  ['perplexity-api-key', 'Perplexity API key', ['pplx-'], /\b(pplx-[0-9A-Za-z]{48})\b/g],
  ['xai-api-key', 'xAI API key', ['xai-'], /\b(xai-[0-9A-Za-z]{80})\b/g],
  ['mistral-api-key', 'Mistral API key', ['mistral'], near('mistral_?api_?key|mistral_?key', '[A-Za-z0-9]{32}')],
  ['deepseek-api-key', 'DeepSeek API key', ['deepseek'], near('deepseek_?api_?key|deepseek_?key', 'sk-[0-9a-f]{32}')],
  ['langsmith-key', 'LangSmith API key', ['lsv2_'], /\b(lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10})\b/g],
  ['pinecone-api-key', 'Pinecone API key', ['pinecone'], near('pinecone_?api_?key|pinecone_?key', `pcsk_[A-Za-z0-9_]{50,90}|${UUID}`)],
  ['together-api-key', 'Together AI API key', ['together'], near('together_?api_?key', '[0-9a-f]{64}')],
  ['fireworks-api-key', 'Fireworks AI API key', ['fw_'], /\b(fw_[A-Za-z0-9]{24})\b/g],
  ['weights-and-biases-key', 'Weights & Biases API key', ['wandb'], near('wandb_?api_?key', '[0-9a-f]{40}')],
  ['elevenlabs-key', 'ElevenLabs API key', ['sk_', 'elevenlabs'], /\b(sk_[0-9a-f]{48})\b/g],
  ['assemblyai-key', 'AssemblyAI API key', ['assemblyai'], near('assemblyai_?api_?key', '[0-9a-f]{32}')],
  // Observability, SaaS
  ['datadog-api-key', 'Datadog API or app key', ['datadog', 'dd_api_key', 'dd_app_key'], near('datadog_?(?:api|app)_?key|dd_api_key|dd_app_key', '[0-9a-f]{32}|[0-9a-f]{40}')],
  ['newrelic-user-key', 'New Relic user API key', ['nrak-'], /\b(NRAK-[A-Z0-9]{27})\b/g],
  ['newrelic-insert-key', 'New Relic insert key', ['nrii-'], /\b(NRII-[A-Za-z0-9_-]{32})/g],
  ['newrelic-browser-key', 'New Relic browser key', ['nrjs-'], /\b(NRJS-[a-f0-9]{19})\b/g],
  ['sentry-org-token', 'Sentry organisation token', ['sntrys_'], /\b(sntrys_eyJ[A-Za-z0-9+/=_]{60,})/g, 'high', { window: 400 }],
  ['sentry-user-token', 'Sentry user token', ['sntryu_'], /\b(sntryu_[0-9a-f]{64})\b/g],
  ['grafana-cloud-token', 'Grafana Cloud API token', ['glc_'], /\b(glc_[A-Za-z0-9+/]{32,400}={0,2})/g, 'high', { window: 450 }],
  ['grafana-service-account-token', 'Grafana service account token', ['glsa_'], /\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b/g],
  ['dynatrace-token', 'Dynatrace API token', ['dt0c01.'], /\b(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b/g],
  ['honeycomb-key', 'Honeycomb API key', ['hcaik_', 'hcxik_'], /\b(hc[ax]ik_[0-9a-z]{58})\b/g],
  ['rollbar-token', 'Rollbar access token', ['rollbar'], near('rollbar_?(?:access_?)?token', '[0-9a-f]{32}')],
  ['segment-token', 'Segment public API token', ['sgp_'], /\b(sgp_[A-Za-z0-9]{64})\b/g],
  ['sourcegraph-token', 'Sourcegraph access token', ['sgp_'], /\b(sgp_[0-9a-f]{16}_[0-9a-f]{40})\b/g],
  ['linear-api-key', 'Linear API key', ['lin_api_'], /\b(lin_api_[A-Za-z0-9]{40})\b/g],
  ['notion-token', 'Notion integration token', ['secret_', 'ntn_'], /\b((?:secret_[A-Za-z0-9]{43})|(?:ntn_[0-9]{11}[A-Za-z0-9]{35}))\b/g],
  ['airtable-pat', 'Airtable personal access token', ['pat'], /\b(pat[A-Za-z0-9]{14}\.[0-9a-f]{64})\b/g],
  ['figma-pat', 'Figma personal access token', ['figd_'], /\b(figd_[A-Za-z0-9_-]{40})/g],
  ['dropbox-token', 'Dropbox access token', ['sl.'], /\b(sl\.[A-Za-z0-9_-]{130,152})(?![A-Za-z0-9_-])/g, 'high', { window: 200 }],
  ['okta-token', 'Okta API token', ['okta'], near('okta_?(?:api_?)?token', '00[A-Za-z0-9_-]{40}')],
  ['twitter-bearer-token', 'X / Twitter bearer token', ['aaaaaaaaaaaaaaaaaaaaa'], /\b(AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,120})/g],
  ['facebook-access-token', 'Facebook / Meta access token', ['eaacedeose', 'eaab', 'eaag'], /\b(EAA(?:CEdEose0cBA|B|G)[A-Za-z0-9]{80,})/g, 'high', { window: 400 }],
  ['mapbox-secret-token', 'Mapbox secret token', ['sk.eyj'], /\b(sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})/g, 'high', { window: 400 }],
  ['contentful-pat', 'Contentful personal access token', ['cfpat-'], /\b(CFPAT-[A-Za-z0-9_-]{43})/g],
  ['postman-key', 'Postman API key', ['pmak-'], /\b(PMAK-[0-9a-f]{24}-[0-9a-f]{34})\b/g],
  ['typeform-token', 'Typeform personal token', ['tfp_'], /\b(tfp_[A-Za-z0-9_.=-]{59})/g],
  ['readme-key', 'ReadMe API key', ['rdme_'], /\b(rdme_[a-z0-9]{70})\b/g],
  ['frameio-token', 'Frame.io token', ['fio-u-'], /\b(fio-u-[A-Za-z0-9_=-]{64})/g],
  ['algolia-admin-key', 'Algolia admin key', ['algolia'], near('algolia_?(?:admin_?|api_?)key', '[0-9a-f]{32}')],
  ['launchdarkly-key', 'LaunchDarkly SDK or API key', ['launchdarkly'], near('launchdarkly_?(?:sdk_?|api_?)?key', `(?:sdk|api|mob)-${UUID}`)],
  ['tailscale-key', 'Tailscale key', ['tskey-'], /\b(tskey-(?:api|auth|client|webhook)-[A-Za-z0-9]{8,}-[A-Za-z0-9]{20,})\b/g],
  ['ngrok-token', 'ngrok auth token', ['ngrok'], near('ngrok_?auth_?token|authtoken', '[0-9A-Za-z]{20,30}_[0-9A-Za-z]{20,30}')],
  ['cloudinary-url', 'Cloudinary URL with secret', ['cloudinary://'], /cloudinary:\/\/\d+:([A-Za-z0-9_-]{20,})@/g],
  ['1password-service-token', '1Password service account token', ['ops_eyj'], /\b(ops_eyJ[A-Za-z0-9+/=_-]{250,})/g, 'high', { window: 1200 }],
  ['age-secret-key', 'age encryption secret key', ['age-secret-key-1'], /(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})/g],
  ['yandex-api-key', 'Yandex Cloud API key', ['aqvn'], /\b(AQVN[A-Za-z0-9_-]{35,38})(?![A-Za-z0-9_-])/g],
  ['intra42-secret', '42 intra client secret', ['s-s4t2'], /\b(s-s4t2(?:ud|af)-[0-9a-f]{64})\b/g],
  // Keys, tokens, connection strings
  ['private-key', 'Private key (PEM / OpenSSH / PGP)', ['private key'], /(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{16,12000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)/g, 'high', { window: 12500 }],
  ['putty-private-key', 'PuTTY private key', ['putty-user-key-file'], /(PuTTY-User-Key-File-\d: [\s\S]{20,6000}?Private-MAC: [0-9a-f]+)/g, 'high', { window: 6500 }],
  ['jwt', 'JSON Web Token', ['eyj'], /\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/g, 'medium', { window: 4096 }],
  ['db-connection-string', 'Database URL with password', ['postgres', 'mysql', 'mariadb', 'mongodb', 'redis', 'amqp', 'mssql', 'sqlserver', 'cockroachdb'], /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb):\/\/[^\s:@/'"]*:([^\s@/'"$]{3,})@[^\s'"]+/g, 'high'],
  ['jdbc-password', 'JDBC URL with password', ['jdbc:'], /jdbc:[a-z0-9]+:[^\s'"]*?[?;&]password=([^&;\s'"]{3,})/gi],
  ['ado-connection-string', 'ADO.NET connection string with password', ['password=', 'pwd='], /(?:Server|Data Source|Host)=[^;'"\n]+;[^'"\n]*?(?:Password|Pwd)=([^;'"\s]{4,})/gi],
  ['url-basic-auth', 'URL with embedded credentials', ['://'], /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s:@/'"<>]{1,64}:([^\s@/'"<>$]{6,128})@[A-Za-z0-9.-]+/g, 'medium'],
  ['netrc-password', '.netrc password', ['machine'], /machine\s+\S+\s+login\s+\S+\s+password\s+(\S{4,})/g],
  ['bearer-token', 'Authorization bearer token', ['bearer'], /\bbearer\s+([A-Za-z0-9._~+/-]{24,}=*)/gi, 'medium', { entropy: 3.5 }],
  ['basic-auth-header', 'Authorization basic credentials', ['basic '], /authorization["']?\s*[:=]\s*["']?basic\s+([A-Za-z0-9+/]{12,}={0,2})/gi, 'medium'],
  ['htpasswd-password', 'Password hash in htpasswd or shadow form', ['$2y$', '$6$'], /(\$(?:2[aby]|6)\$[./A-Za-z0-9$]{50,})/g, 'low'],
  ['kubernetes-secret-token', 'Kubernetes service account token', ['token:'], /\btoken:\s*(eyJhbGciOi[A-Za-z0-9._-]{100,})/g, 'high', { window: 2048 }],
];

/** Values that look like secrets by shape but are not: hashes, ids, placeholders, expressions. */
function plausibleGenericSecret(value: string): boolean {
  if (/^[0-9a-f]+$/i.test(value) && [32, 40, 64, 128].includes(value.length)) return false;
  if (new RegExp(`^${UUID}$`).test(value)) return false;
  if (/^(?:sha(?:1|256|384|512)-|[a-z]+:\/\/)/i.test(value)) return false;
  if (/\$\{|process\.env|os\.environ|getenv|\{\{|<[A-Z_]+>|x{6,}|\*{4,}|your[_-]|example|changeme|placeholder|redacted/i.test(value)) return false;
  if (/^[a-z_.]+$/i.test(value)) return false; // identifiers and dotted names
  return /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

export const GENERIC_RULE: SecretRule = {
  id: 'generic-secret',
  description: 'Credential-looking assignment with a high-entropy value',
  keywords: ['key', 'secret', 'token', 'passw', 'pwd', 'auth', 'credential'],
  regex: /(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|secret|access[_-]?token|auth[_-]?token|token|passwd|password|pwd|credentials?|private[_-]?key)["']?\s{0,3}(?:[:=]|:=|=>)\s{0,3}["'`]?([A-Za-z0-9/+_=.~!@#%^&*-]{16,128})(?![A-Za-z0-9/+_=.~-])/gi,
  severity: 'medium',
  entropy: 3.5,
  window: 200,
  accept: plausibleGenericSecret,
};

export const BUILTIN_RULES: readonly SecretRule[] = [
  ...rows.map(([id, description, keywords, regex, severity, extra]) => ({ id, description, keywords, regex, severity: severity ?? 'high', ...extra })),
  GENERIC_RULE,
];
