// Package wordcache is a bounded, concurrent cache from a word's bytes to
// its sub-token encoding, as Hugging Face's BPE and Unigram models keep one:
// most words of a corpus repeat, and looking one up is far cheaper than
// encoding it again.
package wordcache

import (
	"hash/maphash"
	"sync"
)

const shards = 64 // independent locks, so concurrent encoders rarely meet

// MaxKey is the longest word cached, in bytes (HF caches words under 256).
const MaxKey = 256

// Cache maps word bytes to a V. It holds at most the capacity given to New;
// once full it stops adding (as HF's cache does), so memory stays bounded
// whatever text arrives. The zero value is not usable; nil caches nothing.
type Cache[V any] struct {
	seed     maphash.Seed
	perShard int
	shards   [shards]shard[V]
}

type shard[V any] struct {
	mu sync.RWMutex
	m  map[string]V
}

// New returns a cache of about capacity entries; capacity <= 0 means nil
// (no caching).
func New[V any](capacity int) *Cache[V] {
	if capacity <= 0 {
		return nil
	}
	c := &Cache[V]{seed: maphash.MakeSeed(), perShard: max(1, capacity/shards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]V)
	}
	return c
}

func (c *Cache[V]) shard(key []byte) *shard[V] {
	return &c.shards[maphash.Bytes(c.seed, key)%shards]
}

// Get returns the value cached for key.
func (c *Cache[V]) Get(key []byte) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	s := c.shard(key)
	s.mu.RLock()
	v, ok := s.m[string(key)]
	s.mu.RUnlock()
	return v, ok
}

// Put caches v for key unless key is too long or the cache is full. v must
// not be changed afterwards: readers share it.
func (c *Cache[V]) Put(key []byte, v V) {
	if c == nil || len(key) >= MaxKey {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	if len(s.m) < c.perShard {
		s.m[string(key)] = v
	}
	s.mu.Unlock()
}
