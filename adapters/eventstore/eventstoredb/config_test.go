package eventstoredb

import (
	"slices"
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestStreamFilter(t *testing.T) {
	production := newStreamFilter("", DefaultStreamPrefixes())
	test := newStreamFilter("t1-", []string{""})
	cases := []struct {
		filter streamFilter
		stream string
		want   bool
	}{
		{production, "participant-0193", true},
		{production, "payer-desa-sungai-danau", true},
		{production, "claim-77", true},
		{production, "statement-2025-01", true},
		{production, "participants", false}, // the dash is part of the prefix
		{production, "orders-1", false},
		{production, "$stats-127.0.0.1:2113", false},
		{production, "$$participant-1", false}, // the metadata stream of participant-1
		{production, "$ce-participant", false},
		{test, "t1-stream-a", true},
		{test, "t1-", true},
		{test, "t2-stream-a", false},
		{test, "stream-a", false},
	}
	for _, c := range cases {
		if got := c.filter.matches(c.stream); got != c.want {
			t.Errorf("%v matches %q: got %v", c.filter.prefixes, c.stream, got)
		}
	}
	if !test.allows("stream-a") || test.esdbStream("stream-a") != "t1-stream-a" || test.streamID("t1-stream-a") != "stream-a" {
		t.Error("namespace is not put on and taken off")
	}
	if production.allows("orders-1") || !production.allows("claim-1") {
		t.Error("production allows the wrong streams")
	}
	filter := newStreamFilter("ns-", []string{"claim-", "payer-"}).subscriptionFilter()
	if filter.Type != esdb.StreamFilterType || !slices.Equal(filter.Prefixes, []string{"ns-claim-", "ns-payer-"}) || filter.Regex != "" {
		t.Errorf("subscription filter %+v", filter)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		// Validate only asks that a pool is given; it never connects.
		config := Config{URL: "esdb://localhost:2113?tls=false", Pool: new(pgxpool.Pool)}
		config.setDefaults()
		return config
	}
	cases := []struct {
		name   string
		edit   func(*Config)
		errors []string // each must appear; none means valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"cluster with discovery", func(c *Config) { c.URL = "esdb+discover://admin:changeit@cluster.local:2113" }, nil},
		{"three seeds", func(c *Config) { c.URL = "esdb://node1:2113,node2:2113,node3:2113?tls=true" }, nil},
		{"test namespace", func(c *Config) { c.Namespace, c.StreamPrefixes = "t1-", []string{""} }, nil},
		{"no URL", func(c *Config) { c.URL = "" }, []string{"URL is required"}},
		{"wrong scheme", func(c *Config) { c.URL = "postgres://localhost:2113" }, []string{"esdb://"}},
		{"empty prefix without namespace", func(c *Config) { c.StreamPrefixes = []string{""} }, []string{"every stream of the server"}},
		{"system prefix", func(c *Config) { c.StreamPrefixes = []string{"$ce-"} }, []string{"reserves for system streams"}},
		{"system namespace", func(c *Config) { c.Namespace = "$jaminan-" }, []string{"reserves for system streams"}},
		{"repeated prefix", func(c *Config) { c.StreamPrefixes = []string{"claim-", "claim-"} }, []string{"listed twice"}},
		{"no prefixes", func(c *Config) { c.StreamPrefixes = []string{} }, []string{"1 to 32 prefixes"}},
		{"too many prefixes", func(c *Config) { c.StreamPrefixes = strings.Split(strings.Repeat("p-,", 33)+"p", ",") },
			[]string{"1 to 32 prefixes"}},
		{"no pool", func(c *Config) { c.Pool = nil }, []string{"Pool is required", "PostgreSQL"}},
		{"negative append size", func(c *Config) { c.MaxAppendSize = -1 }, []string{"MaxAppendSize must be 1 to 16777216 bytes (0: the default), got -1"}},
		{"append size over what the client takes", func(c *Config) { c.MaxAppendSize = 17 << 20 }, []string{"MaxAppendSize must be 1 to 16777216"}},
		{"NUL in namespace", func(c *Config) { c.Namespace = "a\x00" }, []string{"without NUL"}},
		{"everything at once", func(c *Config) { c.URL, c.StreamPrefixes = "", []string{"$x"} },
			[]string{"URL is required", "reserves for system streams"}},
	}
	for _, c := range cases {
		config := valid()
		c.edit(&config)
		err := config.Validate()
		if len(c.errors) == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, want := range c.errors {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", c.name, err, want)
			}
		}
	}
}

func TestURLErrorsHideThePassword(t *testing.T) {
	for _, url := range []string{"esdb://admin:hunter2@host:notaport", "http://admin:hunter2@host:2113", "esdb://admin:hunter2@host:2113/%zz"} {
		_, err := parseURL(url)
		if err == nil {
			t.Errorf("%s: no error", url)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %q repeats the password", err)
		}
	}
}

func TestSetDefaultsKeepsWhatIsSet(t *testing.T) {
	config := Config{StreamPrefixes: []string{"claim-"}}
	config.setDefaults()
	if !slices.Equal(config.StreamPrefixes, []string{"claim-"}) || config.Logger == nil || config.MaxAppendSize != 1048576 {
		t.Errorf("got %+v", config)
	}
	config = Config{}
	config.setDefaults()
	if !slices.Equal(config.StreamPrefixes, DefaultStreamPrefixes()) {
		t.Errorf("default prefixes %v", config.StreamPrefixes)
	}
}
