;;; gnus_nnmaildir.el --- Gnus reads an offlineimap Maildir with nnmaildir, in batch -*- lexical-binding: t -*-

;; Used by tests/e2e/test_offlineimap.py (offlineimap_support.gnus):
;;   GNUS_TEST_MAILDIR=DIR GNUS_TEST_COMMAND=groups emacs --batch -Q \
;;     -l gnus_nnmaildir.el -f offlineimap-oauth-test-main
;; Commands:
;;   groups                prints "GROUP<TAB>ARTICLE-COUNT" for each group
;;   read GROUP MSGID      opens GROUP in a Gnus summary buffer, marks the
;;                         article with that Message-ID read and leaves the
;;                         group; nnmaildir records the mark as the S flag
;;   subjects FILE         loads FILE (the Gnus settings `convert' writes),
;;                         then opens every group of each nnmaildir server
;;                         it added in a summary buffer and prints
;;                         "SERVER<TAB>GROUP<TAB>SUBJECT" for each article
;;                         (GNUS_TEST_MAILDIR is not used)
;; GNUS_TEST_ARGS holds the arguments, one a line.  Run with LANG=C.UTF-8,
;; or Japanese directory names are not decoded.

(require 'gnus)
(require 'gnus-start)
(require 'gnus-sum)
(require 'nnmaildir)
(require 'seq)

(defvar offlineimap-oauth-test-server nil)

(defun offlineimap-oauth-test--setup (maildir)
  "Gnus with only nnmaildir over MAILDIR; no files of its own outside HOME."
  (let ((home (file-name-as-directory (expand-file-name "gnus-test" (getenv "HOME")))))
    (make-directory home t)
    (setq offlineimap-oauth-test-server
          `(nnmaildir "work" (directory ,(file-name-as-directory maildir)))
          gnus-home-directory home
          gnus-directory (expand-file-name "News/" home)
          gnus-startup-file (expand-file-name ".newsrc" home)
          gnus-init-file (expand-file-name ".gnus" home)
          message-directory (expand-file-name "Mail/" home)
          gnus-select-method '(nnnil "")
          gnus-secondary-select-methods (list offlineimap-oauth-test-server)
          gnus-save-newsrc-file nil
          gnus-read-newsrc-file nil
          gnus-save-killed-list nil
          gnus-use-dribble-file nil
          gnus-interactive-exit nil
          gnus-check-new-newsgroups nil
          gnus-large-newsgroup nil
          ;; an empty table: groups are looked up by their server's method
          gnus-newsrc-hashtb (gnus-make-hashtable))
    ;; Back ends answer in this buffer; Gnus makes it when it starts.
    (nnheader-init-server-buffer)))

(defun offlineimap-oauth-test--groups (&optional server)
  "Names of the groups nnmaildir finds on SERVER (scanning moves new/ to cur/)."
  (let ((server (or server offlineimap-oauth-test-server)) groups)
    (unless (gnus-open-server server)
      (error "Cannot open %S" server))
    (gnus-request-scan nil server)
    (unless (gnus-request-list server)
      (error "LIST failed: %s" (gnus-status-message server)))
    (with-current-buffer nntp-server-buffer
      (goto-char (point-min))
      ;; "GROUP HIGH LOW y", the group name possibly quoted; not read as
      ;; Lisp otherwise ("[Gmail].Sent Mail" would be a vector)
      (while (not (eobp))
        (push (if (looking-at "\"")
                  (read (current-buffer))
                (and (looking-at "\\(.+\\) [0-9]+ [0-9]+ [^ ]+$")
                     ;; a space in a name comes escaped: "Sent\\ Mail"
                     (replace-regexp-in-string
                      "\\\\\\(.\\)" "\\1" (match-string-no-properties 1))))
              groups)
        (forward-line 1)))
    (nreverse (delq nil groups))))

(defun offlineimap-oauth-test--count (group &optional server)
  "Article count of GROUP as nnmaildir answers GROUP (\"211 COUNT LOW HIGH\")."
  (let* ((server (or server offlineimap-oauth-test-server))
         (full (gnus-group-prefixed-name group server)))
    (gnus-request-scan full server)
    (unless (gnus-request-group full)
      (error "GROUP %s failed: %s" full (gnus-status-message server)))
    (with-current-buffer nntp-server-buffer
      (goto-char (point-min))
      (unless (looking-at "211 \\([0-9]+\\) ")
        (error "Unexpected GROUP answer: %s" (buffer-string)))
      (string-to-number (match-string 1)))))

(defun offlineimap-oauth-test--print-groups ()
  (dolist (group (offlineimap-oauth-test--groups))
    (princ (format "%s\t%d\n" group (offlineimap-oauth-test--count group)))))

(defun offlineimap-oauth-test--mark-read (group message-id)
  "Read GROUP in a summary buffer, mark MESSAGE-ID read, exit (saves marks)."
  (let ((full (gnus-group-prefixed-name group offlineimap-oauth-test-server)))
    (offlineimap-oauth-test--groups)
    ;; A started Gnus knowing just this group, subscribed at level 1.
    (gnus-no-server 1)
    (gnus-group-change-level full 1 gnus-level-killed nil nil)
    (gnus-activate-group full)
    (gnus-get-unread-articles-in-group (gnus-get-info full) (gnus-active full))
    (unless (gnus-summary-read-group full t t)
      (error "Cannot enter %s" full))
    (let ((article (gnus-summary-goto-article message-id nil t)))
      (unless article
        (error "No article %s in %s" message-id full))
      (gnus-summary-mark-article (gnus-summary-article-number) gnus-read-mark)
      (princ (format "marked %s (article %d) read\n" message-id
                     (gnus-summary-article-number))))
    (gnus-summary-exit)))

(defun offlineimap-oauth-test--print-subjects (file)
  "Load FILE, then read every non-empty group of its nnmaildir servers."
  (setq gnus-secondary-select-methods nil)
  (load file nil t)
  (let ((servers (seq-filter (lambda (method) (eq (car-safe method) 'nnmaildir))
                             gnus-secondary-select-methods))
        (started nil))
    (unless servers
      (error "%s adds no nnmaildir server" file))
    (dolist (server servers)
      (dolist (group (offlineimap-oauth-test--groups server))
        (when (> (offlineimap-oauth-test--count group server) 0)
          (unless started  ; a started Gnus, knowing only the groups we enter
            (gnus-no-server 1)
            (setq started t))
          (let ((full (gnus-group-prefixed-name group server)))
            (gnus-group-change-level full 1 gnus-level-killed nil nil)
            (gnus-activate-group full)
            (gnus-get-unread-articles-in-group (gnus-get-info full) (gnus-active full))
            (unless (gnus-summary-read-group full t t)
              (error "Cannot enter %s" full))
            (dolist (data gnus-newsgroup-data)
              (princ (format "%s\t%s\t%s\n" (cadr server) group
                             (mail-header-subject (gnus-data-header data)))))
            (gnus-summary-exit)))))))

(defun offlineimap-oauth-test-main ()
  (let ((maildir (getenv "GNUS_TEST_MAILDIR"))
        (command (getenv "GNUS_TEST_COMMAND"))
        (args (split-string (or (getenv "GNUS_TEST_ARGS") "") "\n" t)))
    (unless (and command (or maildir (equal command "subjects")))
      (error "Set GNUS_TEST_MAILDIR and GNUS_TEST_COMMAND"))
    (offlineimap-oauth-test--setup (or maildir (getenv "HOME")))
    (cond ((equal command "subjects") (apply #'offlineimap-oauth-test--print-subjects args))
          ((equal command "groups") (offlineimap-oauth-test--print-groups))
          ((equal command "read") (apply #'offlineimap-oauth-test--mark-read args))
          (t (error "Unknown command %s" command)))))

;;; gnus_nnmaildir.el ends here
