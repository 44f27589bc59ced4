package actions

// A deliberate breach of the import table, to show depguard failing CI; the
// next commit removes it.
import _ "github.com/gin-gonic/gin"
