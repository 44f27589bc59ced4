package tripline

// ListParams select one page of a list: at most Limit items after Cursor (an
// id; "" for the first page), of one workspace.
type ListParams struct {
	WorkspaceID string
	Limit       int
	Cursor      string
}

// RuleListParams select one page of rules.
type RuleListParams struct {
	ListParams
	FolderID string // "" for all
}

// ContactListParams select one page of contacts; empty filters match all.
type ContactListParams struct {
	ListParams
	Tag string // contacts that have this tag
	// Query: contacts whose id, name, email or phone contains this text,
	// ignoring case.
	Query string
	// FieldPath and Value: contacts whose field has this value, compared as
	// text (a JSON string unquoted; a number, true or false as written).
	// FieldPath is a top-level field ["email"] or a custom field
	// ["custom_fields", "budget"]; its names hold no quotes or dots.
	FieldPath []string
	Value     string
}

// ContactValueKind names what a ContactValuesParams lists.
type ContactValueKind string

// The kinds of ContactValuesParams.
const (
	ContactTags      ContactValueKind = "tags"
	ContactFields    ContactValueKind = "fields"
	ContactSequences ContactValueKind = "sequences"
)

// ContactValuesParams select one page of the distinct values of the
// workspace's contacts of one kind, in ascending order after Cursor (a
// value).
type ContactValuesParams struct {
	ListParams
	Kind ContactValueKind
}

// ContactValue is a tag, a sequence or a custom field's name seen on a
// contact; for a custom field, Types are the JSON types of its values
// (string, number, boolean, array, object, null), sorted.
type ContactValue struct {
	Value string
	Types []string
}

// TriggerEventListParams select recent trigger events of one type.
type TriggerEventListParams struct {
	WorkspaceID string
	Type        string
	Limit       int
}

// TriggerEventPageParams select one page of trigger events, newest first;
// empty filters match all.
type TriggerEventPageParams struct {
	ListParams
	Types     []string // of these trigger types; nil for all
	ContactID string
	// Source matches the id or the name of the source (SPEC section 13) the
	// trigger event came through.
	Source string
}
