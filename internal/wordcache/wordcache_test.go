package wordcache

import (
	"fmt"
	"strings"
	"testing"
)

func TestCacheIsBounded(t *testing.T) {
	c := New[int](shards * 2)
	for i := range 10000 {
		c.Put([]byte(fmt.Sprint(i)), i)
	}
	n := 0
	for i := range 10000 {
		if v, ok := c.Get([]byte(fmt.Sprint(i))); ok {
			if v != i {
				t.Fatalf("key %d holds %d", i, v)
			}
			n++
		}
	}
	if n == 0 || n > shards*2 {
		t.Errorf("%d entries cached, capacity %d", n, shards*2)
	}
	long := []byte(strings.Repeat("x", MaxKey))
	c2 := New[int](100)
	c2.Put(long, 1)
	if _, ok := c2.Get(long); ok {
		t.Error("a key of MaxKey bytes was cached")
	}
	var none *Cache[int]
	none.Put([]byte("a"), 1)
	if _, ok := none.Get([]byte("a")); ok || New[int](0) != nil {
		t.Error("a nil cache holds something")
	}
}
