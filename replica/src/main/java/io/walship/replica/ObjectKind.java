package io.walship.replica;

/** The two kinds of replica object. */
public enum ObjectKind {
    /** The whole database as of one transaction. */
    SNAPSHOT(1),
    /** One or more whole transactions, in txid order, each with its changed pages. */
    SEGMENT(2);

    private final int code;

    ObjectKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ObjectKind ofCode(int code) {
        for (ObjectKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
