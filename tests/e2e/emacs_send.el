;;; emacs_send.el --- compose and send mail in batch, as a Gnus user would  -*- lexical-binding: t; -*-

;; Driven by tests/e2e/test_msmtp.py, after the sending settings are loaded
;; (contrib/gnus-send.el, or the gnus-accounts.el that convert writes):
;;   emacs --batch -Q -l contrib/gnus-send.el -l tests/e2e/emacs_send.el \
;;         -f emacs-send-batch
;; Environment:
;;   EMACS_SEND_MSMTP    absolute path of msmtp
;;   EMACS_SEND_MSMTPRC  the test msmtprc, passed as "-C FILE" in front of
;;                       what gnus-send.el put in message-sendmail-extra-arguments
;;   EMACS_SEND_SPEC     a file holding one Lisp list of messages, each a plist
;;                       (:name N :from F :to T :subject S :body B)
;; For each message it prints "SENT <name>" or "FAILED <name>: <error>"
;; followed by what message-mode shows the user (the " sendmail errors"
;; buffer), and exits 1 if any failed.

;;; Code:

(require 'message)

(defun emacs-send--spec ()
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8))
      (insert-file-contents (getenv "EMACS_SEND_SPEC")))
    (read (current-buffer))))

(defun emacs-send--error-buffers ()
  "Text of every \" sendmail errors\" buffer, then kill them."
  (mapconcat (lambda (buffer)
               (prog1 (with-current-buffer buffer (buffer-string))
                 (kill-buffer buffer)))
             (seq-filter (lambda (buffer)
                           (string-prefix-p " sendmail errors" (buffer-name buffer)))
                         (buffer-list))
             "\n"))

(defun emacs-send-one (spec)
  "Compose SPEC in message-mode and send it; nil or the error text."
  (message-mail (plist-get spec :to) (plist-get spec :subject))
  (message-replace-header "From" (plist-get spec :from))
  (message-goto-body)
  (insert (plist-get spec :body))
  (condition-case err
      (progn (message-send-and-exit) nil)
    (error (prog1 (format "%s\n%s" (error-message-string err) (emacs-send--error-buffers))
             (set-buffer-modified-p nil)
             (kill-buffer (current-buffer))))))

(defun emacs-send-batch ()
  (setq sendmail-program (getenv "EMACS_SEND_MSMTP")
        message-sendmail-extra-arguments
        (append (list "-C" (getenv "EMACS_SEND_MSMTPRC")) message-sendmail-extra-arguments)
        ;; A fixed domain for Message-ID: the test machine's name may have none.
        message-user-fqdn "emacs-send.test")
  (let ((failed nil))
    (dolist (spec (emacs-send--spec))
      (let ((problem (emacs-send-one spec)))
        (if (null problem)
            (princ (format "SENT %s\n" (plist-get spec :name)))
          (setq failed t)
          (princ (format "FAILED %s: %s\n" (plist-get spec :name) problem)))))
    (kill-emacs (if failed 1 0))))

;;; emacs_send.el ends here
