package io.walship.cli;

import io.walship.config.ConfigWarning;
import io.walship.config.WalshipConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs the keys of a configuration file walship ignores, one WARN line each naming the file, line and key. */
final class ConfigWarnings {
    private static final Logger log = LoggerFactory.getLogger(ConfigWarnings.class);

    private ConfigWarnings() {
    }

    static void log(WalshipConfig config) {
        for (ConfigWarning w : config.warnings()) {
            log.warn("{}", w);
        }
    }
}
