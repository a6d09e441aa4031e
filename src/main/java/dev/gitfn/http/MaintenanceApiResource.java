package dev.gitfn.http;

import java.io.IOException;
import java.util.Locale;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.maintenance.Maintenance;

/**
 * {@code POST /api/maintenance[?mode=full]}: maintains every repository, one after
 * another (admins only): what a Kubernetes CronJob or a cloud scheduler calls.
 */
@Path("/api/maintenance")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN)
public class MaintenanceApiResource {
    private final Maintenance maintenance;

    public MaintenanceApiResource(Maintenance maintenance) {
        this.maintenance = maintenance;
    }

    @POST
    @Audited("maintenance.run")
    public Response maintainAll(@QueryParam("mode") String mode) throws IOException {
        Maintenance.Mode chosen = mode(mode);
        if (chosen == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "mode must be auto or full");
        }
        return Response.ok(maintenance.runAll(chosen)).build();
    }

    /** The mode a request names (none: auto), or null for one that does not exist. */
    static Maintenance.Mode mode(String mode) {
        if (mode == null || mode.isEmpty()) {
            return Maintenance.Mode.AUTO;
        }
        try {
            return Maintenance.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
