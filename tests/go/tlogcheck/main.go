// Command tlogcheck reads an urna election log the way any Go transparency-log client would:
// with golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog only (Debian's
// golang-golang-x-mod-dev), from a URL serving the C2SP tlog-tiles layout (the board itself, a
// bucket the board published to, or a static folder). It is an outside implementation of
// RFC 6962 hashing and tile reading, so the tests run it to show urna's tiles, entry bundles and
// checkpoints are what such clients expect.
//
// Usage: tlogcheck -url BASE -vkey VKEY [-old-size N -old-root BASE64]
//
// It opens BASE/checkpoint with the verifier key (a signed note: unknown cosignatures are
// ignored), reads the tree through tlog.TileHashReader (which authenticates every tile against
// the checkpoint's root), proves and checks the inclusion of every entry of every entry bundle,
// and, given an older tree, proves and checks consistency with it. It prints one JSON line and
// exits 0, or prints the error on stderr and exits 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// c2spTiles reads tiles at C2SP paths: tile/<L>/<N>[.p/<W>], which is x/mod's own path
// (tile/<H>/<L>/<N>[.p/<W>]) without the height, fixed at 8. Tiles are immutable, so each is
// fetched once (x/mod authenticates what it reads each time, from the cache or not).
type c2spTiles struct {
	base  string
	cache map[string][]byte
}

func (c2spTiles) Height() int { return 8 }

func (r c2spTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := c2spPath(t)
		data, ok := r.cache[path]
		if !ok {
			var err error
			if data, err = get(r.base + "/" + path); err != nil {
				return nil, err
			}
			r.cache[path] = data
		}
		out[i] = data
	}
	return out, nil
}

func (c2spTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

// entries splits a C2SP entry bundle: big-endian uint16 length, then that many bytes, repeated.
func entries(bundle []byte) ([][]byte, error) {
	var out [][]byte
	for len(bundle) > 0 {
		if len(bundle) < 2 {
			return nil, errors.New("entry bundle: truncated length")
		}
		n := int(bundle[0])<<8 | int(bundle[1])
		if len(bundle) < 2+n {
			return nil, errors.New("entry bundle: truncated entry")
		}
		out = append(out, bundle[2:2+n])
		bundle = bundle[2+n:]
	}
	return out, nil
}

func run() error {
	base := flag.String("url", "", "the log's base URL (BASE/checkpoint, BASE/tile/...)")
	vkey := flag.String("vkey", "", "the log's verifier key (signed-note vkey)")
	oldSize := flag.Int64("old-size", -1, "an older tree size to prove consistency with")
	oldRoot := flag.String("old-root", "", "that older tree's root (base64)")
	flag.Parse()
	if *base == "" || *vkey == "" {
		return errors.New("usage: tlogcheck -url BASE -vkey VKEY [-old-size N -old-root B64]")
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		return fmt.Errorf("vkey: %w", err)
	}
	raw, err := get(*base + "/checkpoint")
	if err != nil {
		return err
	}
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		return fmt.Errorf("checkpoint signature: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return errors.New("checkpoint: want origin, size, root, then a newline")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("checkpoint size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		return fmt.Errorf("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	tree := tlog.Tree{N: size, Hash: root}
	hr := tlog.TileHashReader(tree, c2spTiles{*base, map[string][]byte{}})
	th, err := tlog.TreeHash(size, hr)
	if err != nil {
		return fmt.Errorf("tree hash from tiles: %w", err)
	}
	if th != root {
		return errors.New("tiles give another root than the checkpoint")
	}
	records := int64(0)
	for k := int64(0); k*256 < size; k++ {
		w := size - k*256
		t := tlog.Tile{H: 8, L: 0, N: k, W: 256}
		if w < 256 {
			t.W = int(w)
		}
		path := "tile/entries/" + strings.TrimPrefix(c2spPath(t), "tile/0/")
		bundle, err := get(*base + "/" + path)
		if err != nil {
			return err
		}
		es, err := entries(bundle)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(es) != t.W {
			return fmt.Errorf("%s: %d entries, want %d", path, len(es), t.W)
		}
		for j, e := range es {
			i := k*256 + int64(j)
			proof, err := tlog.ProveRecord(size, i, hr)
			if err != nil {
				return fmt.Errorf("prove entry %d: %w", i, err)
			}
			if err := tlog.CheckRecord(proof, size, root, i, tlog.RecordHash(e)); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			records++
		}
	}
	out := map[string]any{"origin": lines[0], "size": size, "root": lines[2], "records": records}
	if *oldSize >= 0 {
		ob, err := base64.StdEncoding.DecodeString(*oldRoot)
		if err != nil || len(ob) != tlog.HashSize {
			return fmt.Errorf("old root %q", *oldRoot)
		}
		var old tlog.Hash
		copy(old[:], ob)
		proof, err := tlog.ProveTree(size, *oldSize, hr)
		if err != nil {
			return fmt.Errorf("prove consistency: %w", err)
		}
		if err := tlog.CheckTree(proof, size, root, *oldSize, old); err != nil {
			return fmt.Errorf("consistency with size %d: %w", *oldSize, err)
		}
		out["consistentWith"] = *oldSize
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}
