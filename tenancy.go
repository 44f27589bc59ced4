package tripline

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
	"time"
)

// DefaultTimezone is a workspace's time zone until it picks one.
const DefaultTimezone = "UTC"

// Workspace is the tenant: every object belongs to exactly one.
type Workspace struct {
	ID        string
	Name      string
	CreatedAt time.Time

	// Timezone is the workspace's IANA time zone (DefaultTimezone when
	// unset).
	Timezone string
	// RequireHTTPS refuses http:// endpoint destinations, on save and at
	// send time (SPEC section 11), except those the private-destination
	// allowlist opens.
	RequireHTTPS bool
}

// NewWorkspace is a workspace named name, created at now, with the default
// settings; id is the id the caller made for it.
func NewWorkspace(id, name string, now time.Time) Workspace {
	return Workspace{ID: id, Name: name, CreatedAt: now, Timezone: DefaultTimezone}
}

// APIKey authenticates requests for one workspace. Only a hash of the key
// is stored.
type APIKey struct {
	ID          string
	WorkspaceID string
	Hash        string // HashKey of the key
	Prefix      string // KeyPrefix of the key, to tell keys apart
	CreatedAt   time.Time
	Name        string     // what the key is for, as its maker named it
	LastUsedAt  *time.Time // the last request made with it, to the minute; nil: never
}

// APIKeyTouchParams are a use of an API key: record it at At unless one at
// or after At minus Every is recorded already.
type APIKeyTouchParams struct {
	KeyHash string
	At      time.Time
	Every   time.Duration
}

// keyAlphabet is the characters of an API key after its "tl_".
const keyAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewAPIKey returns a new API key, "tl_" and 40 base-62 characters (238
// bits).
func NewAPIKey() string {
	var sb strings.Builder
	sb.WriteString("tl_")
	for range 40 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(keyAlphabet))))
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		sb.WriteByte(keyAlphabet[n.Int64()])
	}
	return sb.String()
}

// HashKey returns the hex SHA-256 of a secret token (an API key, a UI
// session's token): the form in which it is stored and looked up.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// KeyPrefix is the part of an API key shown to tell keys apart.
func KeyPrefix(key string) string { return key[:min(len(key), 8)] }

// NewAPIKeyRecord is the record of key for a workspace, to store: its hash
// and prefix, never the key; id is the id the caller made for it.
func NewAPIKeyRecord(id, workspaceID, key, name string, now time.Time) APIKey {
	return APIKey{ID: id, WorkspaceID: workspaceID, Hash: HashKey(key), Prefix: KeyPrefix(key), CreatedAt: now, Name: name}
}

// Session is a browser signed in to the web UI with an API key. Only hashes
// of the cookie's token and of the key are kept.
type Session struct {
	TokenHash   string
	WorkspaceID string
	KeyHash     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
