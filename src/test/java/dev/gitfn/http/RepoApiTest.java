package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The repository API, and 404 on every git endpoint of a repository that does not exist. */
@QuarkusTest
class RepoApiTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void createListAndConflict() {
        URI uri = URI.create(base.toString());
        String name = TestDirs.repoName("api/created");
        assertEquals(201, Http.createRepo(uri, name));
        assertEquals(409, Http.createRepo(uri, name));
        HttpResponse<String> list = Http.get(uri.resolve("/api/repos"));
        assertEquals(200, list.statusCode());
        assertTrue(list.body().contains("{\"name\":\"" + name + "\"}"), list.body());
        HttpResponse<String> advert = Http.get(uri.resolve("/" + name + ".git/info/refs?service=git-upload-pack"));
        assertEquals(200, advert.statusCode());
        assertEquals("application/x-git-upload-pack-advertisement", advert.headers().firstValue("Content-Type")
                .orElseThrow());
        assertEquals("no-cache, max-age=0, must-revalidate",
                advert.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(advert.body().startsWith("001e# service=git-upload-pack\n0000"), advert.body());
    }

    @Test
    void malformedCreateBodies() {
        URI api = URI.create(base + "api/repos");
        assertEquals(400, Http.send("POST", api, Map.of("Content-Type", "application/json"), "{}".getBytes())
                .statusCode());
        assertEquals(400, Http.send("POST", api, Map.of("Content-Type", "application/json"), "{nope".getBytes())
                .statusCode());
    }

    @Test
    void everyGitEndpointAnswers404ForAMissingRepository() {
        String repo = base + TestDirs.repoName("api/missing") + ".git";
        assertEquals(404, Http.get(URI.create(repo + "/info/refs?service=git-upload-pack")).statusCode());
        assertEquals(404, Http.get(URI.create(repo + "/info/refs?service=git-receive-pack")).statusCode());
        assertEquals(404, Http.get(URI.create(repo + "/info/refs")).statusCode());
        assertEquals(404, Http.send("POST", URI.create(repo + "/git-upload-pack"),
                Map.of("Content-Type", "application/x-git-upload-pack-request"), "0000".getBytes()).statusCode());
        assertEquals(404, Http.send("POST", URI.create(repo + "/git-receive-pack"),
                Map.of("Content-Type", "application/x-git-receive-pack-request"), "0000".getBytes()).statusCode());
    }
}
