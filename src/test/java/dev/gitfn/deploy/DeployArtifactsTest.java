package dev.gitfn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.TestDirs;

/**
 * The deploy artifacts, checked offline as CI can: the manifests against Knative's
 * and Kubernetes' schemas and the fields gitfn depends on, the Terraform parsed and
 * checked (variables, IAM scope, CDN paths and TTLs), {@code terraform fmt}. Each
 * check is also shown to fail on a copy broken the way a careless edit would.
 */
class DeployArtifactsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CHECK = ROOT.resolve("deploy/check");

    record Run(int exit, String output) {
    }

    @BeforeAll
    static void installChecker() throws Exception {
        if (!Files.isDirectory(CHECK.resolve("node_modules/kubernetes-models"))) {
            Run install = run(CHECK, "npm", "ci", "--no-audit", "--no-fund");
            assertEquals(0, install.exit(), install.output());
        }
    }

    @Test
    void theArtifactsPassTheirChecks() throws Exception {
        Run check = run(ROOT, "node", CHECK.resolve("check.mjs").toString(), ROOT.toString());
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("deploy artifacts OK"), check.output());
        Run fmt = run(ROOT, "terraform", "fmt", "-check", "-recursive", "terraform");
        assertEquals(0, fmt.exit(), "terraform fmt -check: " + fmt.output());
    }

    @Test
    void eachCheckFailsOnABrokenCopy() throws Exception {
        broken("deploy/knative/service.yaml", s -> s.replace("timeoutSeconds: 600", "timeoutSeconds: 900"),
                "timeoutSeconds within");
        broken("deploy/knative/service.yaml", s -> s.replace("GITFN_LIMITS_MAX_REQUEST_TIME\n              value: 9m",
                "GITFN_LIMITS_MAX_REQUEST_TIME\n              value: 30m"), "GITFN_LIMITS_MAX_REQUEST_TIME (30m)");
        broken("deploy/knative/service.yaml", s -> s.replace("- name: GITFN_AUTH_ADMIN_TOKEN", "- name: GITFN_UNUSED"),
                "authentication is off");
        broken("deploy/knative/service.yaml", s -> s.replace("name: http1", "name: http"), "http1");
        broken("deploy/knative/service.yaml", s -> s.replace("containerConcurrency: 32", "containerConcurrency: many"),
                "must be integer");
        broken("deploy/kubernetes/gitfn.yaml", s -> s.replace("value: 8G", "value: 20G"), "below the cache volume");
        broken("deploy/kubernetes/gitfn.yaml", s -> s.replace("path: /q/health/ready", "path: /"), "readinessProbe");
        broken("deploy/kubernetes/gitfn.yaml", s -> s.replace("containerPort: 2222", "containerPort: 22"),
                "GITFN_SSH_PORT=2222 must be the containerPort named ssh");
        broken("deploy/kubernetes/gitfn.yaml", s -> s.replace("targetPort: git", "targetPort: http"),
                "forward a port to git");
        broken("terraform/iam.tf", s -> s.replace("\"${aws_s3_bucket.store.arn}/${var.store_prefix}/*\"",
                "\"${aws_s3_bucket.store.arn}/*\""), "beyond the store prefix");
        broken("terraform/iam.tf", s -> s.replace("Condition = { StringLike", "Conditionx = { StringLike"),
                "limited to its prefix");
        broken("terraform/cdn.tf", s -> s.replace("\"*.git/info/refs\"          = 0", "\"*.git/info/refs\" = 300"),
                "*.git/info/refs must have TTL 0");
        broken("terraform/cdn.tf", s -> s.replace("\"*.git/lfs/objects/*\"      = 31536000", "\"*.git/lfs/*\" = 60"),
                "LFS objects must be cached");
        broken("terraform/cdn.tf", s -> s.replace("aws_s3_bucket.published.bucket_regional_domain_name",
                "aws_s3_bucket.store.bucket_regional_domain_name"), "never the store");
        broken("terraform/lambda.tf", s -> s.replace("memory_size      = var.memory_mb",
                "memory_size      = var.memory"), "var.memory is used but not declared");
        broken("terraform/lambda.tf", s -> s.replace("invoke_mode        = \"RESPONSE_STREAM\"",
                "invoke_mode        = \"BUFFERED\""), "RESPONSE_STREAM");
        broken("terraform/lambda.tf", s -> s.replace("GITFN_STORAGE           = \"s3\"",
                "GITFN_STORAGE           = \"s3\"\n      GITFN_NO_SUCH_SETTING = \"1\""), "GITFN_NO_SUCH_SETTING");
        broken("terraform/storage.tf", s -> s.replaceFirst("restrict_public_buckets = true",
                "restrict_public_buckets = false"), "public access must be blocked");
        broken("deploy/kubernetes/maintenance-cronjob.yaml", s -> s.replace("\"Content-Type: application/json\"",
                "\"Accept: */*\""), "Content-Type: application/json");
        broken("deploy/kubernetes/maintenance-cronjob.yaml", s -> s.replace("http://gitfn/api/maintenance",
                "http://gitfn/api/publish"), "/api/maintenance");
    }

    @Test
    void terraformFmtRefusesUnformattedFiles() throws Exception {
        Path copy = copyOfProject();
        Files.writeString(copy.resolve("terraform/extra.tf"), "variable \"x\" {\n default=1\n}\n");
        Run fmt = run(copy, "terraform", "fmt", "-check", "-recursive", "terraform");
        assertNotEquals(0, fmt.exit(), fmt.output());
    }

    private static void broken(String file, UnaryOperator<String> edit, String expected) throws Exception {
        Path copy = copyOfProject();
        Path target = copy.resolve(file);
        String before = Files.readString(target);
        String after = edit.apply(before);
        assertNotEquals(before, after, "the edit of " + file + " for '" + expected + "' changed nothing");
        Files.writeString(target, after);
        Run check = run(copy, "node", CHECK.resolve("check.mjs").toString(), copy.toString());
        assertEquals(1, check.exit(), file + " broken for '" + expected + "' passed: " + check.output());
        assertTrue(check.output().contains(expected), "expected '" + expected + "' in: " + check.output());
    }

    /** deploy/ (without the checker's node_modules), terraform/ and the README, in a fresh folder. */
    private static Path copyOfProject() throws IOException {
        Path copy = TestDirs.fresh("deploy-check");
        for (String top : List.of("deploy/knative", "deploy/kubernetes", "terraform")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(top))) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains(".terraform"))
                        .toList()) {
                    Path to = copy.resolve(ROOT.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                }
            }
        }
        Files.copy(ROOT.resolve("README.md"), copy.resolve("README.md"));
        return copy;
    }

    private static Run run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
