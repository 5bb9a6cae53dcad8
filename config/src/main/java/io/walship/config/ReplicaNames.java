package io.walship.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives every replica of a database its name. A name the user wrote is kept. Otherwise the replica is named after its
 * type ({@code s3}, {@code file}), as Litestream names unnamed replicas, which reads well in logs when a database has
 * one replica of each type. When that would make two names equal, each unnamed replica of that type is named
 * {@code replica-N} after its place in the list, counting from 1. Default names depend on the order of the list, so
 * a database with several replicas of one type should name them: the name also names the replica's outbox.
 */
final class ReplicaNames {
    private ReplicaNames() {
    }

    /**
     * @param given the names written by the user, null where none; already checked to be unique
     * @param types the type of each replica
     * @return one name per replica; a default may equal a given name, which the caller reports
     */
    static List<String> assign(List<String> given, List<String> types) {
        Set<String> taken = new HashSet<>();
        Map<String, Integer> unnamedPerType = new HashMap<>();
        for (int i = 0; i < given.size(); i++) {
            if (given.get(i) != null) {
                taken.add(given.get(i));
            } else {
                unnamedPerType.merge(types.get(i), 1, Integer::sum);
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String type = types.get(i);
            if (given.get(i) != null) {
                names.add(given.get(i));
            } else if (unnamedPerType.get(type) == 1 && !taken.contains(type)) {
                names.add(type);
            } else {
                names.add("replica-" + (i + 1));
            }
        }
        return names;
    }
}
