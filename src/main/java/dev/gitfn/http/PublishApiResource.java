package dev.gitfn.http;

import java.io.IOException;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.gitfn.publish.Publisher;

/** {@code POST /api/publish}: rebuilds the published area from the store (admins only). */
@Path("/api/publish")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN)
public class PublishApiResource {
    private final Publisher publisher;

    public PublishApiResource(Publisher publisher) {
        this.publisher = publisher;
    }

    @POST
    @Audited("publish.rebuild")
    public Publisher.Rebuilt rebuild() throws IOException {
        return publisher.rebuild();
    }
}
