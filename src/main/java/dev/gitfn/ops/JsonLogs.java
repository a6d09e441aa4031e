package dev.gitfn.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Handler;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtFormatter;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.StartupEvent;

/**
 * {@code gitfn.log.json=true} (GITFN_LOG_JSON) writes the console log as one JSON
 * object per line, for log collectors; lines before start-up stay plain. Quarkus's
 * own JSON extension is not served by the registry gitfn builds from, and JBoss
 * LogManager's JSON formatter cannot see the application's JSON library, so this
 * small formatter writes with Jackson.
 */
@Singleton
public class JsonLogs {
    void apply(@Observes @Priority(1) StartupEvent event, ObjectMapper json,
            @ConfigProperty(name = "gitfn.log.json", defaultValue = "false") boolean enabled) {
        if (enabled) {
            Formatter formatter = new Formatter(json);
            for (Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
                useFormatter(handler, formatter);
            }
        }
    }

    private static void useFormatter(Handler handler, Formatter formatter) {
        handler.setFormatter(formatter);
        if (handler instanceof ExtHandler ext) {
            for (Handler child : ext.getHandlers()) {
                useFormatter(child, formatter);
            }
        }
    }

    /** One log record as one line of JSON: time, level, logger, thread, message, error. */
    static final class Formatter extends ExtFormatter {
        private final ObjectMapper json;

        Formatter(ObjectMapper json) {
            this.json = json;
        }

        @Override
        public String format(ExtLogRecord record) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("timestamp", Instant.ofEpochMilli(record.getMillis()).toString());
            line.put("level", record.getLevel().getName());
            line.put("loggerName", record.getLoggerName());
            line.put("threadName", record.getThreadName());
            line.put("message", formatMessage(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.put("exception", trace.toString());
            }
            try {
                return json.writeValueAsString(line) + System.lineSeparator();
            } catch (JsonProcessingException e) {
                return "{\"level\":\"ERROR\",\"message\":\"unloggable record\"}" + System.lineSeparator();
            }
        }
    }
}
