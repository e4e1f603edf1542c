import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Registers the reconciliation counters the way the Strimzi 1.2.0 cluster operator does
 * (operator-common MetricsHolder names, MetricsUtils.getRequiredMetricTags tags,
 * MicrometerMetricsProvider.counter) in Micrometer's Prometheus registry, and prints its scrape.
 */
public class StrimziMetricNames {
    public static void main(String[] args) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Tags tags = Tags.of(Tag.of("kind", "KafkaConnect"), Tag.of("namespace", "kafka-connect")).and(Tag.of("selector", ""));
        for (String name : new String[] {"strimzi.reconciliations", "strimzi.reconciliations.failed", "strimzi.reconciliations.successful"}) {
            Counter.builder(name).description(name).tags(tags).register(registry).increment();
        }
        System.out.print(registry.scrape());
    }
}
