// Offline checks of the deploy artifacts (no cluster, no provider downloads):
//   node deploy/check/check.mjs <project root>
// 1. every manifest in deploy/knative and deploy/kubernetes validates against its schema
//    (kubernetes-models, Knative's included) and sets the fields gitfn depends on;
// 2. the Terraform parses (HCL to JSON), every variable used is declared, the IAM policy names
//    only the store's prefix, the published bucket and the log group, and the CDN serves only
//    git's dumb-HTTP paths with the intended TTLs;
// 3. every GITFN_* or QUARKUS_* variable set anywhere is a setting the README documents.
// Prints each failure and exits 1 if there is any.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { parse as parseHcl } from "@cdktf/hcl2json";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as serving from "@kubernetes-models/knative/serving.knative.dev/v1";

const root = path.resolve(process.argv[2] ?? ".");
const failures = [];
const fail = (where, what) => failures.push(`${where}: ${what}`);
const models = {
  "v1/ServiceAccount": core.ServiceAccount, "v1/Secret": core.Secret, "v1/Service": core.Service,
  "apps/v1/Deployment": apps.Deployment, "batch/v1/CronJob": batch.CronJob,
  "autoscaling/v2/HorizontalPodAutoscaler": autoscaling.HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": policy.PodDisruptionBudget,
  "serving.knative.dev/v1/Service": serving.Service,
};

// The settings the README's configuration table documents (its environment column).
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const documented = new Set([...readme.matchAll(/^\| `[^`]+` \| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
function checkSettings(where, names) {
  for (const name of names) {
    if (/^(GITFN|QUARKUS)_/.test(name) && !documented.has(name)) {
      fail(where, `${name} is not a setting the README's configuration table documents`);
    }
  }
}

const sizeBytes = (s) => {
  const m = /^(\d+)\s*([KMGT]i?)?$/.exec(String(s));
  if (!m) return NaN;
  const unit = { K: 1, M: 2, G: 3, T: 4 }[(m[2] ?? "")[0]] ?? 0;
  // gitfn's sizes (Quarkus MemorySize) are binary; so compare Kubernetes' in binary too.
  return Number(m[1]) * Math.pow(1024, unit);
};
const seconds = (s) => {
  const m = /^(\d+)\s*(ms|s|m|h)?$/.exec(String(s));
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? "s"];
};

function manifests(dir) {
  const docs = [];
  for (const file of fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".yaml")).sort()) {
    const where = `${dir}/${file}`;
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(root, dir, file), "utf8"))) {
      if (doc.errors.length) { fail(where, doc.errors.join("; ")); continue; }
      const obj = doc.toJSON();
      if (!obj) continue;
      const Model = models[`${obj.apiVersion}/${obj.kind}`];
      if (!Model) { fail(where, `no schema for ${obj.apiVersion} ${obj.kind}`); continue; }
      try { new Model(obj).validate(); } catch (e) { fail(`${where} ${obj.kind}`, e.message); }
      docs.push({ where: `${where} ${obj.kind}/${obj.metadata?.name}`, obj });
    }
  }
  return docs;
}

function envOf(container) {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom ? "<secret>" : "")]));
}

// What every gitfn container must have, on either platform.
function checkContainer(where, pod, container, { requestTimeout }) {
  const env = envOf(container);
  checkSettings(where, Object.keys(env));
  if (!env.GITFN_AUTH_ADMIN_TOKEN && !env.GITFN_AUTH_JWT_ISSUER) fail(where, "authentication is off (no admin token or JWT issuer)");
  if (env.GITFN_AUTH_ADMIN_TOKEN && env.GITFN_AUTH_ADMIN_TOKEN !== "<secret>") fail(where, "the admin token must come from a Secret");
  if (env.GITFN_AUTH_ALLOW_ANONYMOUS === "true") fail(where, "allow-anonymous on a platform");
  if (env.QUARKUS_MANAGEMENT_HOST !== "0.0.0.0") fail(where, "the management port must listen beyond loopback for probes");
  for (const [probe, p] of [["readinessProbe", "/q/health/ready"], ["livenessProbe", "/q/health/live"]]) {
    const get = container[probe]?.httpGet;
    if (!get || get.path !== p) fail(where, `${probe} must GET ${p}`);
    else if (get.port !== 8081 && get.port !== "management") fail(where, `${probe} must use the management port 8081`);
  }
  const cacheMount = (container.volumeMounts ?? []).find((m) => m.mountPath === env.GITFN_CACHE_DIR);
  const cacheVolume = cacheMount && (pod.volumes ?? []).find((v) => v.name === cacheMount.name);
  if (!cacheVolume?.emptyDir?.sizeLimit) fail(where, "the cache (GITFN_CACHE_DIR) must be an emptyDir with a sizeLimit");
  else if (!(sizeBytes(env.GITFN_CACHE_MAX_BYTES) < sizeBytes(cacheVolume.emptyDir.sizeLimit))) {
    fail(where, `GITFN_CACHE_MAX_BYTES (${env.GITFN_CACHE_MAX_BYTES}) must stay below the cache volume's sizeLimit (${cacheVolume.emptyDir.sizeLimit})`);
  }
  const sc = container.securityContext ?? {};
  if (!sc.readOnlyRootFilesystem) fail(where, "readOnlyRootFilesystem");
  if (!(sc.runAsNonRoot || pod.securityContext?.runAsNonRoot)) fail(where, "runAsNonRoot");
  if (!(container.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")) fail(where, "/tmp must be a writable volume");
  if (requestTimeout !== undefined) {
    for (const limit of ["GITFN_LIMITS_MAX_REQUEST_TIME", "GITFN_TUNNEL_MAX_DURATION"]) {
      if (!(seconds(env[limit]) < requestTimeout)) fail(where, `${limit} (${env[limit]}) must end before the platform's ${requestTimeout} s`);
    }
  }
}

// Knative
const knative = manifests("deploy/knative");
const ksvc = knative.find((d) => d.obj.kind === "Service" && d.obj.apiVersion.startsWith("serving.knative.dev"));
if (!ksvc) fail("deploy/knative", "no Knative Service");
else {
  const t = ksvc.obj.spec.template;
  const a = t.metadata?.annotations ?? {};
  if (a["autoscaling.knative.dev/min-scale"] !== "0") fail(ksvc.where, "scale to zero (min-scale 0)");
  if (!a["autoscaling.knative.dev/target"]) fail(ksvc.where, "an autoscaling target");
  if (!(t.spec.containerConcurrency > 0)) fail(ksvc.where, "a containerConcurrency");
  if (!(t.spec.timeoutSeconds > 0 && t.spec.timeoutSeconds <= 600)) fail(ksvc.where, "timeoutSeconds within Knative's default maximum of 600");
  const c = t.spec.containers[0];
  if (c.ports?.[0]?.name !== "http1") fail(ksvc.where, "the port must be named http1 (WebSockets through the queue-proxy)");
  checkContainer(ksvc.where, t.spec, c, { requestTimeout: t.spec.timeoutSeconds });
}

// Kubernetes
const kube = manifests("deploy/kubernetes");
for (const kind of ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"]) {
  if (!kube.some((d) => d.obj.kind === kind)) fail("deploy/kubernetes", `no ${kind}`);
}
for (const d of kube.filter((d) => d.obj.kind === "Deployment")) {
  checkContainer(d.where, d.obj.spec.template.spec, d.obj.spec.template.spec.containers[0], {});
}
// SSH and git:// on the long-running Deployment: each port gitfn listens on is the container
// port of that name, and the Service forwards to it.
{
  const deployment = kube.find((d) => d.obj.kind === "Deployment");
  const service = kube.find((d) => d.obj.kind === "Service");
  if (deployment && service) {
    const c = deployment.obj.spec.template.spec.containers[0];
    const env = envOf(c);
    for (const [variable, portName] of [["GITFN_SSH_PORT", "ssh"], ["GITFN_DAEMON_PORT", "git"]]) {
      const declared = (c.ports ?? []).find((p) => p.name === portName);
      if (!env[variable]) fail(deployment.where, `${variable} must be set (SSH and git:// are on for long-running installations)`);
      else if (!declared || String(declared.containerPort) !== env[variable]) {
        fail(deployment.where, `${variable}=${env[variable]} must be the containerPort named ${portName}`);
      }
      if (!(service.obj.spec.ports ?? []).some((p) => p.targetPort === portName)) {
        fail(service.where, `the Service must forward a port to ${portName}`);
      }
    }
  }
}
// The maintenance job: POST /api/maintenance on the Service, as an admin, with the API's content type.
const cron = kube.find((d) => d.obj.kind === "CronJob");
if (!cron) fail("deploy/kubernetes", "no CronJob for pack maintenance");
else {
  const c = cron.obj.spec.jobTemplate.spec.template.spec.containers[0];
  const args = (c.args ?? []).join(" ");
  const service = kube.find((d) => d.obj.kind === "Service")?.obj.metadata.name;
  if (!args.includes(`http://${service}/api/maintenance`)) fail(cron.where, `must call http://${service}/api/maintenance`);
  if (!/-X POST/.test(args)) fail(cron.where, "maintenance is a POST");
  if (!args.includes("Content-Type: application/json")) fail(cron.where, "state-changing API calls need Content-Type: application/json");
  if (envOf(c).GITFN_AUTH_ADMIN_TOKEN !== "<secret>" || !args.includes("$(GITFN_AUTH_ADMIN_TOKEN)")) {
    fail(cron.where, "the admin token must come from the Secret");
  }
  if (cron.obj.spec.concurrencyPolicy !== "Forbid") fail(cron.where, "one run at a time (concurrencyPolicy Forbid)");
}

// Terraform
const tfDir = path.join(root, "terraform");
const tf = { variable: {}, resource: {}, locals: [] };
let tfText = "";
for (const file of fs.readdirSync(tfDir).filter((f) => f.endsWith(".tf")).sort()) {
  const text = fs.readFileSync(path.join(tfDir, file), "utf8");
  tfText += text + "\n";
  try {
    const json = await parseHcl(file, text);
    Object.assign(tf.variable, json.variable ?? {});
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      tf.resource[type] = { ...(tf.resource[type] ?? {}), ...byName };
    }
    tf.locals.push(...(json.locals ?? []));
  } catch (e) {
    fail(`terraform/${file}`, `does not parse: ${e.message ?? e}`);
  }
}
for (const used of new Set([...tfText.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1]))) {
  if (!tf.variable[used]) fail("terraform", `var.${used} is used but not declared`);
}
const one = (type, name) => tf.resource[type]?.[name]?.[0];
const fn = one("aws_lambda_function", "gitfn");
if (!fn) fail("terraform", "no aws_lambda_function.gitfn");
else {
  const env = fn.environment?.[0]?.variables ?? {};
  checkSettings("terraform aws_lambda_function.gitfn", Object.keys(env));
  const want = { AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap", AWS_LWA_INVOKE_MODE: "response_stream", AWS_LWA_PORT: "8080" };
  for (const [k, v] of Object.entries(want)) if (env[k] !== v) fail("terraform lambda", `${k} must be ${v}`);
  if (!env.GITFN_AUTH_ADMIN_TOKEN) fail("terraform lambda", "authentication must be on");
  if (!/^\$\{var\.timeout_seconds - \d+\}s$/.test(env.GITFN_LIMITS_MAX_REQUEST_TIME ?? "")) {
    fail("terraform lambda", "GITFN_LIMITS_MAX_REQUEST_TIME must be derived from, and below, the function timeout");
  }
  if (!(tf.variable.timeout_seconds?.[0]?.default <= 900)) fail("terraform", "timeout_seconds default beyond Lambda's 900 s");
}
if (one("aws_lambda_function_url", "gitfn")?.invoke_mode !== "RESPONSE_STREAM") fail("terraform", "the function URL must stream (RESPONSE_STREAM)");
for (const b of ["store", "published"]) {
  const pab = one("aws_s3_bucket_public_access_block", b);
  if (!pab || !["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => pab[k] === true)) {
    fail("terraform", `bucket ${b}: public access must be blocked`);
  }
  if (!one("aws_s3_bucket_server_side_encryption_configuration", b)) fail("terraform", `bucket ${b}: encryption`);
}
if (one("aws_s3_bucket_versioning", "store")?.versioning_configuration?.[0]?.status !== "Enabled") fail("terraform", "the store bucket must be versioned");

// IAM: every Resource names the store's prefix, the published bucket, its CDN (invalidations of withdrawn
// repositories) or the log group; nothing else.
const allowedResource = [
  /^\$\{aws_s3_bucket\.store\.arn\}\/\$\{var\.store_prefix\}\/\*$/, /^\$\{aws_s3_bucket\.store\.arn\}$/,
  /^\$\{aws_s3_bucket\.published\.arn\}(\/\*)?$/, /^\$\{aws_cloudwatch_log_group\.gitfn\.arn\}:\*$/,
  /^\$\{aws_cloudfront_distribution\.published\.arn\}$/,
];
const policyText = one("aws_iam_role_policy", "gitfn")?.policy ?? "";
const statements = [...policyText.matchAll(/Resource\s*=\s*("[^"]*"|[a-z0-9_.]+)/g)].map((m) => m[1]);
if (!statements.length) fail("terraform", "no IAM statements found");
for (const r of statements) {
  const value = r.startsWith('"') ? r.slice(1, -1) : "${" + r + "}";
  if (!allowedResource.some((re) => re.test(value))) fail("terraform iam", `Resource ${value} is beyond the store prefix, the published bucket and the log group`);
}
if (/"\*"|Resource\s*=\s*"\*"|s3:\*/.test(policyText)) fail("terraform iam", "a wildcard action or resource");
const listStore = /Resource\s*=\s*aws_s3_bucket\.store\.arn[\s\S]*?Condition\s*=\s*\{\s*StringLike\s*=\s*\{\s*"s3:prefix"\s*=\s*\["\$\{var\.store_prefix\}\/\*"\]/;
if (!listStore.test(policyText)) fail("terraform iam", "listing the store must be limited to its prefix");
// A repository made private must leave the CDN too: the function is told the distribution and may invalidate it.
if (!/Action\s*=\s*"cloudfront:CreateInvalidation"\s*Resource\s*=\s*aws_cloudfront_distribution\.published\.arn/.test(policyText)) {
  fail("terraform iam", "the function must be allowed cloudfront:CreateInvalidation on the published distribution");
}

// CDN: only git's dumb-HTTP paths and LFS objects, mutable files revalidated, packs and objects cached long, the rest 404.
const dist = one("aws_cloudfront_distribution", "published");
const paths = Object.assign({}, ...tf.locals.map((l) => l.dumb_http_paths ?? {}));
const wantPaths = { "*.git/info/refs": 0, "*.git/HEAD": 0, "*.git/objects/info/packs": 0 };
for (const [p, ttl] of Object.entries(wantPaths)) if (paths[p] !== ttl) fail("terraform cdn", `${p} must have TTL ${ttl}`);
if (!(paths["*.git/objects/pack/*"] >= 31536000)) fail("terraform cdn", "packs must be cached for a year (immutable)");
if (!(paths["*.git/lfs/objects/*"] >= 31536000)) fail("terraform cdn", "LFS objects must be cached for a year (named by their hash)");
if (Object.keys(paths).length !== 5) fail("terraform cdn", `only git's dumb-HTTP paths and LFS objects, not ${Object.keys(paths)}`);
const originOk = dist?.origin?.[0]?.domain_name === "${aws_s3_bucket.published.bucket_regional_domain_name}";
if (!originOk) fail("terraform cdn", "the CDN's origin must be the published bucket, never the store");
if (!dist?.default_cache_behavior?.[0]?.function_association?.[0]?.function_arn?.includes("not_found")) {
  fail("terraform cdn", "paths other than dumb HTTP must be answered 404 at the edge");
}
if (/aws_s3_bucket\.store/.test(JSON.stringify(dist ?? {}))) fail("terraform cdn", "the CDN must not reach the store");
const bucketPolicy = one("aws_s3_bucket_policy", "published")?.policy ?? "";
if (!/AWS:SourceArn/.test(bucketPolicy) || one("aws_s3_bucket_policy", "store")) {
  fail("terraform", "only CloudFront (by its distribution's ARN) may read the published bucket; the store has no bucket policy");
}

if (failures.length) {
  console.error(failures.map((f) => "FAIL " + f).join("\n"));
  process.exit(1);
}
console.log(`deploy artifacts OK: ${knative.length + kube.length} manifests, ${Object.keys(tf.variable).length} variables, ${statements.length} IAM resources, ${Object.keys(paths).length} CDN paths`);
