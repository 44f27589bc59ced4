package sources

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Kinds of source.
const (
	KindChatonbo  = "chatonbo"
	KindOnWebChat = "onwebchat"
	KindPollybot  = "pollybot"
	KindChatData  = "chat-data"
	KindChatbotX  = "chatbotx"
	KindCustom    = "custom"
)

// Kinds lists the kinds a source may have, in the order the UI offers them.
var Kinds = []string{KindChatonbo, KindOnWebChat, KindPollybot, KindChatData, KindChatbotX, KindCustom}

// IDPrefix starts every source id ("src_…").
const IDPrefix = "src"

// RequestIDPrefix starts every request log entry's id ("srq_…").
const RequestIDPrefix = "srq"

// Source is an inbound URL of a workspace with its verification and mapping.
type Source struct {
	ID          string
	WorkspaceID string
	Name        string
	Kind        string
	// Verify checks each request's signature; nil accepts unsigned requests.
	Verify *Verify
	// Mapping is the custom kind's mapping as the user wrote it; nil for the
	// built-in kinds, whose mapping is BuiltinMapping(Kind).
	Mapping json.RawMessage
	Enabled bool
	// Token is the ingest token, stored sealed like endpoint secrets so that
	// ingest_url can be shown again; TokenHash (HashToken) is what
	// POST /in/{token} looks the source up by.
	Token     string
	TokenHash string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Ref is the source as it rides on trigger events: {id, name}.
type Ref struct {
	ID   string `json:"id" expr:"id"`
	Name string `json:"name" expr:"name"`
}

// Ref returns the source's reference.
func (s Source) Ref() Ref { return Ref{ID: s.ID, Name: s.Name} }

// TokenPrefix starts every ingest token.
const TokenPrefix = "tin_"

// NewToken returns a new ingest token: TokenPrefix and 32 random bytes
// (256 bits), base64url.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the hex SHA-256 of a token: what is stored and looked up.
// A token is random, so a plain hash is enough to keep it from a reader of
// the database.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TokenMatches reports, in constant time, whether token hashes to hash. The
// store finds a source by the hash; this check keeps the comparison of what
// it found from leaking timing.
func TokenMatches(token, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(hash)) == 1
}

// WellFormedToken reports whether s could be a token, so that a lookup is
// not made for any string a scanner tries.
func WellFormedToken(s string) bool {
	if !strings.HasPrefix(s, TokenPrefix) || len(s) != len(TokenPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil
}
