// Lists a tar file's entries as Go's archive/tar reads them (the reader containers/storage and
// Clair use), one JSON object per line. Entry contents are skipped with Seek, never read, so a
// sparse test file may declare entries of any size.
package main

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type"`
	Format string `json:"format"`
	UID    int    `json:"uid"`
	GID    int    `json:"gid"`
	Mode   int64  `json:"mode"`
	Mtime  int64  `json:"mtime"`
}

func main() {
	file, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer file.Close()
	reader := tar.NewReader(file)
	encoder := json.NewEncoder(os.Stdout)
	for {
		header, err := reader.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "archive/tar:", err)
			os.Exit(1)
		}
		listed := entry{
			Name:   header.Name,
			Size:   header.Size,
			Type:   string(rune(header.Typeflag)),
			Format: header.Format.String(),
			UID:    header.Uid,
			GID:    header.Gid,
			Mode:   header.Mode,
			Mtime:  header.ModTime.Unix(),
		}
		if err := encoder.Encode(listed); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
