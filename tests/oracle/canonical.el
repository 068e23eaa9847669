;;; canonical.el --- print what `read' returns in one canonical form  -*- lexical-binding: t -*-

;; Used by tests/oracle/emacs.py: Emacs reads every top-level form of the
;; files listed in INPUT (or of the strings in INPUT) and writes, for each
;; form, a canonical text that tests/oracle/canonical.py also produces from
;; our reader's nodes.  Every field is length-prefixed (TAG LENGTH : TEXT),
;; so strings and symbol names need no escaping.  Shared structure (#1=,
;; #1#) is printed with labels numbered in order of first appearance.

(setq max-lisp-eval-depth 100000)
(when (boundp 'max-specpdl-size) (setq max-specpdl-size 100000))

(defvar canonical--counts nil)
(defvar canonical--labels nil)
(defvar canonical--out nil)

(defun canonical--shareable (x)
  ;; Emacs has one empty vector: every [] is the same object, never "shared".
  (or (consp x) (and (vectorp x) (> (length x) 0)) (recordp x) (byte-code-function-p x)
      (char-table-p x)))

(defun canonical--slots (x)
  "The slots of vector-like X as a list."
  (if (vectorp x) (append x nil)
    (let ((i 0) (out nil) (done nil))
      (while (not done)
        (condition-case nil (progn (push (aref x i) out) (setq i (1+ i)))
          (error (setq done t))))
      (nreverse out))))

(defun canonical--count (root)
  (let ((todo (list root)))
    (while todo
      (let ((x (pop todo)))
        (when (canonical--shareable x)
          (let ((n (gethash x canonical--counts 0)))
            (puthash x (1+ n) canonical--counts)
            (when (= n 0)
              (cond ((consp x) (push (cdr x) todo) (push (car x) todo))
                    ((char-table-p x))
                    (t (dolist (slot (canonical--slots x)) (push slot todo)))))))))))

(defun canonical--text (string)
  "STRING's characters, raw bytes as U+0080..U+00FF, beyond Unicode as U+FFFD."
  (if (or (string-match-p "\\`[[:ascii:]]*\\'" string)
          (and (multibyte-string-p string)
               (not (string-match-p "[^\0-\x10ffff]" string))))
      string
    (let ((out (make-string (length string) ?x t)))
      (dotimes (i (length string))
        (let ((c (aref string i)))
          (aset out i (cond ((not (multibyte-string-p string)) c)
                            ((>= c #x3fff80) (- c #x3fff00))
                            ((> c #x10ffff) #xfffd)
                            (t c)))))
      out)))

(defun canonical--field (tag text)
  (push (format "%s%d:%s" tag (length text) text) canonical--out))

(defvar canonical--next 0)

(defun canonical--emit (x)
  "Push X's tokens; a shared object gets #N= the first time, #N# after."
  (let ((label (and (canonical--shareable x) (gethash x canonical--labels))))
    (if (integerp label)
        (push (format "#%d#" label) canonical--out)
      (when label
        (puthash x canonical--next canonical--labels)
        (push (format "#%d=" canonical--next) canonical--out)
        (setq canonical--next (1+ canonical--next)))
      (canonical--emit-1 x))))

(defun canonical--emit-1 (x)
  (cond
   ((integerp x) (push (format "i%d" x) canonical--out))
   ((floatp x) (push (if (or (isnan x) (= x 1.0e+INF) (= x -1.0e+INF))
                         (concat "f" (prin1-to-string x))
                       (format "f%.17g" x))
                     canonical--out))
   ((symbolp x) (canonical--field (if (eq (intern-soft (symbol-name x)) x) "y" "u")
                                  (canonical--text (symbol-name x))))
   ((stringp x) (canonical--field "\"" (canonical--text x)))
   ((consp x)
    (push "(" canonical--out)
    (canonical--emit (car x))
    (let ((tail (cdr x)))
      (while (and (consp tail) (not (gethash tail canonical--labels)))
        (canonical--emit (car tail))
        (setq tail (cdr tail)))
      (when tail
        (push "." canonical--out)
        (canonical--emit tail)))
    (push ")" canonical--out))
   ((bool-vector-p x)
    (canonical--field "&" (mapconcat (lambda (b) (if b "1" "0")) x "")))
   ((hash-table-p x)
    (push (format "#h(%s" (hash-table-test x)) canonical--out)
    (maphash (lambda (k v) (canonical--emit k) (canonical--emit v)) x)
    (push ")" canonical--out))
   ((char-table-p x) (push "#^?" canonical--out))
   ((or (vectorp x) (recordp x) (byte-code-function-p x))
    (push (cond ((vectorp x) "[") ((recordp x) "#s(") (t "#[")) canonical--out)
    (dolist (slot (canonical--slots x)) (canonical--emit slot))
    (push (if (recordp x) ")" "]") canonical--out))
   (t (canonical--field "?" (prin1-to-string x)))))

(defun canonical-form (form)
  "FORM's canonical text."
  (setq canonical--counts (make-hash-table :test 'eq)
        canonical--labels (make-hash-table :test 'eq)
        canonical--out nil
        canonical--next 0)
  (canonical--count form)
  (maphash (lambda (k n) (when (> n 1) (puthash k t canonical--labels))) canonical--counts)
  (canonical--emit form)
  (mapconcat #'identity (nreverse canonical--out) " "))

(defun canonical--read-all (out)
  "Read the current buffer's forms; insert their records into buffer OUT."
  (goto-char (point-min))
  (let ((load-file-name nil) (error-text "") (done nil))
    (while (not done)
      (let ((start (point)))
        (condition-case err
            (let ((text (canonical-form (read (current-buffer)))))
              (with-current-buffer out (insert (format "R%d:%s" (length text) text))))
          (end-of-file
           (goto-char start)
           (with-syntax-table emacs-lisp-mode-syntax-table
             (forward-comment (buffer-size)))
           (unless (eobp) (setq error-text (format "%S" err)))
           (setq done t))
          (error (setq error-text (format "%S" err) done t)))))
    (with-current-buffer out (insert (format "X%d:%s\n" (length error-text) error-text)))))

(defun canonical--print-all (out)
  "Like `canonical--read-all', and before each form's record, the form as
`prin1' writes it with default settings (P) and with every escape on (Q)."
  (goto-char (point-min))
  (let ((load-file-name nil) (error-text "") (done nil))
    (while (not done)
      (condition-case err
          (let* ((form (read (current-buffer)))
                 (print-gensym t)  ; #:g1 stays uninterned when read back
                 (plain (prin1-to-string form))
                 (escaped (let ((print-escape-newlines t) (print-escape-control-characters t)
                                (print-escape-nonascii t) (print-escape-multibyte t))
                            (prin1-to-string form)))
                 (text (canonical-form form)))
            (with-current-buffer out
              (insert (format "P%d:%sQ%d:%sR%d:%s" (length plain) plain (length escaped) escaped
                              (length text) text))))
        (end-of-file (setq done t))
        (error (setq error-text (format "%S" err) done t))))
    (with-current-buffer out (insert (format "X%d:%s\n" (length error-text) error-text)))))

(defun canonical-main ()
  "Process `command-line-args-left': MODE INPUT OUTPUT.
MODE files: INPUT lists files, one a line.  MODE strings: INPUT holds
length-prefixed texts (LENGTH:TEXT), each read as one file.  MODE print:
as strings, and each form also as `prin1' prints it."
  (let* ((mode (pop command-line-args-left))
         (input (pop command-line-args-left))
         (output (pop command-line-args-left))
         (out (generate-new-buffer " out"))
         (coding-system-for-write 'utf-8-unix))
    (if (equal mode "files")
        (dolist (file (with-temp-buffer
                        (insert-file-contents input)
                        (split-string (buffer-string) "\n" t)))
          (with-temp-buffer
            (insert-file-contents file)
            (let ((coding (symbol-name last-coding-system-used)))
              (with-current-buffer out
                (insert (format "F%d:%sC%d:%s" (length file) file (length coding) coding))))
            (canonical--read-all out)))
      (let ((texts (with-temp-buffer
                     (let ((coding-system-for-read 'utf-8-unix)) (insert-file-contents input))
                     (goto-char (point-min))
                     (let (texts)
                       (while (re-search-forward "\\([0-9]+\\):" nil t)
                         (let ((end (+ (point) (string-to-number (match-string 1)))))
                           (push (buffer-substring (point) end) texts)
                           (goto-char end)))
                       (nreverse texts)))))
        (dolist (text texts)
          (with-temp-buffer
            (insert text)
            (if (equal mode "print") (canonical--print-all out) (canonical--read-all out))))))
    (with-current-buffer out (write-region nil nil output nil 'silent))))

;; Interpreted, this file is several times slower than compiled.
(dolist (function '(canonical--shareable canonical--slots canonical--count canonical--text
                    canonical--field canonical--emit canonical--emit-1 canonical-form
                    canonical--read-all canonical--print-all canonical-main))
  (byte-compile function))

(canonical-main)
