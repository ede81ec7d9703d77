// The porcupine side of `npm run bench -- porcupine`: checks one exported history (paired calls, as
// bench/porcupine.ts writes them) with porcupine's CheckOperationsTimeout `reps` times in this one process, as
// porcupine's own benchmarks do, and prints one JSON line: each call's time, and the peak RSS during the first call
// (the kernel's high-water mark, reset just before it) over the RSS just before it, as ours.mjs measures.
// The bench copies porcupine's source and this file into a temporary directory and builds them there;
// none of porcupine is part of splitbrain.
package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/anishathalye/porcupine"
)

type input struct {
	F     string  `json:"f"`
	Value *string `json:"value"`
	From  *string `json:"from"`
	To    *string `json:"to"`
}

type call struct {
	Process interface{}     `json:"process"`
	Key     interface{}     `json:"key"`
	Input   input           `json:"input"`
	Output  json.RawMessage `json:"output"`
	Pending bool            `json:"pending"`
	Call    int64           `json:"call"`
	Ret     *int64          `json:"ret"`
}

type history struct {
	Model string `json:"model"`
	Calls []call `json:"calls"`
}

// A register's state: set says whether it holds a value at all (unset reads as null).
type reg struct {
	set bool
	v   string
}

type regIn struct {
	f       byte // 'r', 'w', 'c'
	v, from reg
	to      reg
}

// A completed call's output; pending calls have none and may or may not have taken effect.
type out struct {
	pending bool
	v       reg
}

func str(p *string) reg {
	if p == nil {
		return reg{}
	}
	return reg{true, *p}
}

func keyOf(o porcupine.Operation) string { return o.Metadata.(string) }

func partitionByKey(h []porcupine.Operation) [][]porcupine.Operation {
	idx := map[string]int{}
	var parts [][]porcupine.Operation
	for _, o := range h {
		k := keyOf(o)
		i, ok := idx[k]
		if !ok {
			i = len(parts)
			idx[k] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], o)
	}
	return parts
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

var registerModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() interface{} { return reg{} },
	Step: func(state, in, output interface{}) (bool, interface{}) {
		s, i, o := state.(reg), in.(regIn), output.(out)
		switch i.f {
		case 'r':
			return o.pending || o.v == s, s
		case 'w':
			return true, i.v
		default:
			if s == i.from {
				return true, i.to
			}
			// A pending cas that found another value changed nothing: the same as never taking effect.
			return o.pending, s
		}
	},
	Equal: func(a, b interface{}) bool { return a.(reg) == b.(reg) },
	Hash: func(state interface{}) uint64 {
		s := state.(reg)
		if !s.set {
			return 0x9e3779b9
		}
		return hashString(s.v)
	},
}

type kvIn struct {
	f byte // 'g', 'p', 'a'
	v string
}

var kvModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() interface{} { return "" },
	Step: func(state, in, output interface{}) (bool, interface{}) {
		s, i, o := state.(string), in.(kvIn), output.(out)
		switch i.f {
		case 'g':
			return o.pending || o.v.v == s, s
		case 'p':
			return true, i.v
		default:
			return true, s + i.v
		}
	},
	Equal: func(a, b interface{}) bool { return a.(string) == b.(string) },
	Hash:  func(state interface{}) uint64 { return hashString(state.(string)) },
}

func keyString(k interface{}) string {
	switch v := k.(type) {
	case nil:
		return "\x00nil"
	case string:
		return "k" + v
	case float64:
		return "k" + strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(k)
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 5 {
		fmt.Fprintln(os.Stderr, "usage: porcupine-bench <timeout seconds> <history.json> [reps [min ms]]")
		os.Exit(3)
	}
	reps := 1
	if len(os.Args) >= 4 {
		n, err := strconv.Atoi(os.Args[3])
		if err != nil || n < 1 {
			panic("reps must be a positive integer")
		}
		reps = n
	}
	minMs := 0.0
	if len(os.Args) == 5 {
		m, err := strconv.ParseFloat(os.Args[4], 64)
		if err != nil {
			panic(err)
		}
		minMs = m
	}
	seconds, err := strconv.ParseFloat(os.Args[1], 64)
	if err != nil {
		panic(err)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var h history
	if err := json.Unmarshal(raw, &h); err != nil {
		panic(err)
	}
	ops := make([]porcupine.Operation, 0, len(h.Calls))
	for i, c := range h.Calls {
		ret := int64(math.MaxInt64)
		if c.Ret != nil {
			ret = *c.Ret
		}
		var o out
		if c.Pending {
			o.pending = true
		} else if len(c.Output) > 0 && string(c.Output) != "null" {
			var s string
			if err := json.Unmarshal(c.Output, &s); err != nil {
				panic(err)
			}
			o.v = reg{true, s}
		}
		var in interface{}
		if h.Model == "kv" {
			v := ""
			if c.Input.Value != nil {
				v = *c.Input.Value
			}
			in = kvIn{c.Input.F[0], v}
		} else {
			in = regIn{f: c.Input.F[0], v: str(c.Input.Value), from: str(c.Input.From), to: str(c.Input.To)}
		}
		client := i
		if p, ok := c.Process.(float64); ok {
			client = int(p)
		}
		ops = append(ops, porcupine.Operation{ClientId: client, Input: in, Call: c.Call, Output: o, Return: ret, Metadata: keyString(c.Key)})
	}
	model := registerModel
	if h.Model == "kv" {
		model = kvModel
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	peakBefore := ru.Maxrss
	// "5" resets the peak RSS the kernel keeps for this process (Linux >= 4.0), so VmHWM is the peak while checking.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		panic(err)
	}
	base := statusKb("VmRSS")
	var res porcupine.CheckResult
	var checkPeak int64
	times := make([]string, 0, reps)
	started := time.Now()
	// At least `reps` calls and at least `minMs` in all (at most 500 calls), as ours.mjs does.
	for i := 0; i < reps || (float64(time.Since(started).Milliseconds()) < minMs && i < 500); i++ {
		start := time.Now()
		res = porcupine.CheckOperationsTimeout(model, ops, time.Duration(seconds*float64(time.Second)))
		times = append(times, fmt.Sprintf("%.3f", float64(time.Since(start).Nanoseconds())/1e6))
		if i == 0 {
			checkPeak = statusKb("VmHWM") // the first call's, as ours.mjs measures
		}
		if res == porcupine.Unknown {
			break // out of time: repeating would only take the whole limit again
		}
	}
	peak := peakBefore
	if checkPeak > peak {
		peak = checkPeak
	}
	verdict := map[porcupine.CheckResult]string{porcupine.Ok: "Ok", porcupine.Illegal: "Illegal", porcupine.Unknown: "Unknown"}[res]
	fmt.Printf("{\"result\":%q,\"checkMs\":[%s],\"calls\":%d,\"baseRssKb\":%d,\"checkPeakRssKb\":%d,\"peakRssKb\":%d}\n",
		verdict, strings.Join(times, ","), len(ops), base, checkPeak, peak)
}

// A field of /proc/self/status, in kB.
func statusKb(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		panic(err)
	}
	m := regexp.MustCompile(field + `:\s+(\d+)`).FindSubmatch(raw)
	if m == nil {
		panic("no " + field + " in /proc/self/status")
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}
