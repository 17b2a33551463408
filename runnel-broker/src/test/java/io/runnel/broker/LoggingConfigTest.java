package io.runnel.broker;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker's log lines carry a full timestamp: date, time to the millisecond and UTC offset. */
class LoggingConfigTest {

    @Test
    void brokerLogLinesHaveADateTimeAndOffset() throws Exception {
        Properties p = new Properties();
        try (InputStream in = BrokerServer.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
            assertThat(in).as("slf4j-simple configuration on the broker's class path").isNotNull();
            p.load(in);
        }
        assertThat(p.getProperty("org.slf4j.simpleLogger.showDateTime")).isEqualTo("true");
        String pattern = p.getProperty("org.slf4j.simpleLogger.dateTimeFormat");
        // slf4j-simple formats with SimpleDateFormat; the same pattern letters mean the same in DateTimeFormatter
        String line = DateTimeFormatter.ofPattern(pattern).format(ZonedDateTime.parse("2026-12-02T08:30:15.123Z"));
        assertThat(line).isEqualTo("2026-12-02T08:30:15.123Z");
        var parsed = DateTimeFormatter.ofPattern(pattern).parse(line);
        assertThat(parsed.isSupported(ChronoField.YEAR)).isTrue();
        assertThat(parsed.isSupported(ChronoField.OFFSET_SECONDS)).isTrue();
    }
}
