package io.walship.replicator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Litestream's addr syntax, for listening and for asking. */
class ListenAddressTest {

    @Test
    void theFormsLitestreamAccepts() {
        ListenAddress all = ListenAddress.parse(":9090");
        assertNull(all.host());
        assertEquals(9090, all.port());
        assertTrue(all.wildcard());
        assertEquals("http://127.0.0.1:9090", all.clientUrl());
        assertEquals(":9090", all.toString());

        assertEquals(new ListenAddress("127.0.0.1", 0), ListenAddress.parse("127.0.0.1:0"));
        assertEquals("http://localhost:9090", ListenAddress.parse(" localhost:9090 ").clientUrl());
        ListenAddress v6 = ListenAddress.parse("[::1]:9090");
        assertEquals("::1", v6.host());
        assertEquals("http://[::1]:9090", v6.clientUrl());
        assertEquals("[::1]:9090", v6.toString());
        assertTrue(ListenAddress.parse("0.0.0.0:1").wildcard());
        assertTrue(ListenAddress.parse("[::]:1").wildcard());
    }

    @Test
    void anythingElseSaysWhatToWrite() {
        for (String bad : new String[] {"9090", "localhost", "host:99999", "host:", "a b:1", "::1:9090", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains(":9090 or 127.0.0.1:9090"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(null));
    }
}
