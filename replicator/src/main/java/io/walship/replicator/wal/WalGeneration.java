package io.walship.replicator.wal;

/**
 * One life of a WAL file between two restarts, named by its salts. Every restart changes them (salt-1 grows by one,
 * salt-2 is new), every frame of the generation carries them, and the wal-index header names the generation its
 * committed frames belong to.
 */
public record WalGeneration(int salt1, int salt2) {
    public static WalGeneration of(WalHeader header) {
        return new WalGeneration(header.salt1(), header.salt2());
    }

    public static WalGeneration of(WalIndexHeader header) {
        return new WalGeneration(header.salt1(), header.salt2());
    }

    /** Whether the WAL file header {@code header} starts this generation. */
    public boolean startedBy(WalHeader header) {
        return header.salt1() == salt1 && header.salt2() == salt2;
    }

    @Override
    public String toString() {
        return String.format("WAL generation %08x/%08x", salt1, salt2);
    }
}
