package dev.shoal.messages;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Builds sample instances of every message of the protocol by reflection, so that a test can prove
 * each one remote-safe without a hand-written list that could fall behind.
 */
public final class ProtocolSamples {

  /** Materializes stream refs for samples; set by the test that owns the actor system. */
  public static org.apache.pekko.actor.ActorSystem system;

  private ProtocolSamples() {}

  /** Every record and enum reachable from {@link ShoalMessage} through sealed interfaces. */
  public static Set<Class<?>> allMessageClasses() {
    Set<Class<?>> result = new LinkedHashSet<>();
    collect(ShoalMessage.class, result);
    return result;
  }

  private static void collect(Class<?> type, Set<Class<?>> result) {
    if (type.isSealed()) {
      for (Class<?> permitted : type.getPermittedSubclasses()) {
        collect(permitted, result);
      }
    } else if (type.isRecord() || type.isEnum()) {
      result.add(type);
    } else {
      throw new IllegalStateException(type + " is neither sealed, a record nor an enum");
    }
  }

  /** Samples of a message class: every constant of an enum, two instances of a record. */
  public static List<Object> samplesOf(Class<?> type) throws ReflectiveOperationException {
    if (type.isEnum()) {
      return List.of(type.getEnumConstants());
    }
    return List.of(sample(type, 1), sample(type, 2));
  }

  public static boolean canSample(RecordComponent component) {
    try {
      sampleValue(component.getType(), component.getGenericType(), 1);
      return true;
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private static Object sample(Class<?> type, int seed) throws ReflectiveOperationException {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = sampleValue(types[i], components[i].getGenericType(), seed + i);
    }
    Constructor<?> constructor = type.getDeclaredConstructor(types);
    constructor.setAccessible(true);
    return constructor.newInstance(values);
  }

  private static Object sampleValue(Class<?> type, Type generic, int seed)
      throws ReflectiveOperationException {
    if (type == String.class) {
      return "sample-" + seed;
    } else if (type == int.class || type == Integer.class) {
      return seed;
    } else if (type == long.class || type == Long.class) {
      return 1_000_000L * seed;
    } else if (type == double.class || type == Double.class) {
      return 0.25 * seed;
    } else if (type == boolean.class || type == Boolean.class) {
      return seed % 2 == 0;
    } else if (type == UUID.class) {
      return new UUID(seed, seed * 31L);
    } else if (type == Duration.class) {
      return Duration.ofMillis(500L * seed);
    } else if (type == Instant.class) {
      return Instant.ofEpochMilli(1_700_000_000_000L + seed);
    } else if (type == dev.shoal.messages.job.JobGraph.class) {
      // a valid graph: sampled components would not connect
      dev.shoal.messages.job.JobGraph.Builder builder =
          dev.shoal.messages.job.JobGraph.builder("sample-" + seed);
      var source = builder.addVertex("source", "com.example.Source", seed, Map.of("k", "v"));
      var sink = builder.addVertex("sink", "com.example.Sink", 1, Map.of());
      return builder
          .connect(source, sink, dev.shoal.messages.job.DistributionPattern.ALL_TO_ALL)
          .setting("restart-strategy", "fixed-delay")
          .build();
    } else if (type == org.apache.pekko.stream.SourceRef.class) {
      return org.apache.pekko.stream.javadsl.Source.single(
              org.apache.pekko.util.ByteString.fromString("sample-" + seed))
          .runWith(
              org.apache.pekko.stream.javadsl.StreamRefs.sourceRef(),
              org.apache.pekko.stream.Materializer.matFromSystem(system));
    } else if (type == ShoalMessage.class) {
      return new ControlMessage.Disconnect(new InstanceID(new UUID(seed, seed)), "sample");
    } else if (type == List.class) {
      Class<?> element = (Class<?>) ((ParameterizedType) generic).getActualTypeArguments()[0];
      return List.of(sampleValue(element, null, seed), sampleValue(element, null, seed + 1));
    } else if (type == Map.class) {
      Type[] kv = ((ParameterizedType) generic).getActualTypeArguments();
      return Map.of(
          sampleValue((Class<?>) kv[0], null, seed), sampleValue((Class<?>) kv[1], null, seed + 1));
    } else if (type.isSealed()) {
      Class<?>[] permitted = type.getPermittedSubclasses();
      Class<?> chosen = permitted[seed % permitted.length];
      return chosen.isEnum() ? chosen.getEnumConstants()[0] : sample(chosen, seed);
    } else if (type.isEnum()) {
      return type.getEnumConstants()[seed % type.getEnumConstants().length];
    } else if (type.isRecord()) {
      return sample(type, seed);
    }
    throw new IllegalArgumentException("no sample for " + type);
  }
}
